// Builds common-passwords.txt: the most common passwords of public breach corpora as remembered
// (the classic top lists), expanded with the mutations people actually use (suffix digits and
// years, a trailing "!", capitalisation does not matter: the check is case-insensitive).
// Run: node services/auth/data/generate-common-passwords.mjs
import { writeFileSync } from 'node:fs';

const top = `123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball abc123 football
monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890 michael 654321 superman 1qaz2wsx
7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh hunter buster soccer harley
batman andrew tigger sunshine iloveyou 2000 charlie robert thomas hockey ranger daniel starwars klaster 112233
george computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass maggie 159753
aaaaaa ginger princess joshua cheese amanda summer love ashley nicole chelsea biteme matthew access yankees
987654321 dallas austin thunder taylor matrix mobilemail mom monitor monitoring montana moon moscow welcome
welcome1 password1 password123 admin admin123 root toor administrator passw0rd p@ssw0rd p@ssword qwerty123
qwerty1 1q2w3e4r 1q2w3e4r5t 1q2w3e 1qaz2wsx3edc zaq12wsx zaq1zaq1 q1w2e3r4 q1w2e3r4t5 qazwsxedc asdfghjkl
asdf1234 abcd1234 abc12345 aa123456 a123456 a12345678 123abc 123456a 123456q qwe123 qweasd qweasdzxc
iloveyou1 loveme lovely babygirl football1 baseball1 shadow1 sunshine1 princess1 master1 monkey1 dragon1
letmein1 trustno1 whatever secret secret123 changeme changeme123 default guest test test123 testing
temp temp123 demo demo123 user user123 login login123 hello hello123 hellokitty flower flowers
samsung apple google facebook linkedin twitter instagram youtube microsoft windows linux ubuntu oracle
cisco juniper netgear dlink router internet wifi network server database mysql postgres redis
spiderman ironman captain avengers marvel pokemon naruto minecraft fortnite roblox zelda mario
liverpool arsenal chelsea manchester barcelona realmadrid juventus bayern milan football soccer
basketball tennis golf hockey cricket rugby boxing chicago newyork boston london paris berlin tokyo
summer2020 summer2021 winter2020 spring2021 autumn2021 fall2021 january february march april may june
july august september october november december monday tuesday wednesday thursday friday saturday sunday
jesus jesus1 christ angel angels heaven blessed faith grace hope love123 lovelove iloveu
family family1 mother father sister brother daughter children baby babyboy babygirl1 friends
qwertyuiop123 1qazxsw2 zxcvbnm123 asdfghjkl123 qazwsxedcrfv 1q2w3e4r5t6y 1q2w3e4r5t6y7u8i
passpass password1! password! pa55word pa55w0rd letmein! welcome! admin! qwerty! abc123!
123456789a 123456789q 12345678910 1234567891 123456789012 1234567890123 12345678901 0987654321
11111111111 000000000000 111111111111 123123123123 123412341234 121212121212 112233445566
abcdefghijkl abcdefghijklm abcdef123456 qwertyqwerty asdfasdfasdf zxcvzxcvzxcv passwordpassword
iloveyouiloveyou letmeinletmein trustnoone1 blink182 linkinpark metallica nirvana slipknot eminem
cocacola pepsi starbucks mcdonalds nike adidas puma ferrari porsche mercedes bmw audi toyota honda
corvette mustang1 harley1 yamaha kawasaki suzuki ducati`.split(/\s+/).filter(Boolean);

const words = `password passw0rd p@ssw0rd p@ssword pa55word qwerty qwertyuiop asdfgh asdfghjkl zxcvbnm iloveyou
letmein welcome admin administrator dragon monkey shadow master sunshine princess football baseball basketball
soccer hockey superman batman spiderman starwars trustno1 michael jennifer jessica ashley charlie daniel thomas
robert matthew andrew joshua jordan hunter buster tigger ginger pepper maggie summer winter spring autumn
freedom whatever computer internet secret changeme default monkey123 lovely loveme hello flower cheese
chocolate butterfly purple orange yellow banana cookie pokemon pikachu naruto minecraft fortnite liverpool
arsenal chelsea manchester barcelona chicago newyork london samsung google apple microsoft facebook
killer hacker ninja pirate zombie matrix thunder lightning diamond silver golden phoenix falcon eagle
tiger lion wolf bear panther jaguar cowboy rangers yankees lakers dallas steelers packers raiders
mustang ferrari porsche corvette harley yamaha jesus angel heaven family mother father friends
america canada england germany france italy spain mexico brazil india china russia australia
abc123 qwe123 asd123 zxc123 qaz123 1qaz2wsx 1q2w3e4r q1w2e3r4 zaq12wsx passpass iloveu
mypassword yourpassword newpassword oldpassword mysecret letmein123 welcomehome opensesame
access login guest user test temp demo root toor system server network database backup office
company business manager support service security private public
`.split(/\s+/).filter(Boolean);

const basic = ['', '1', '12', '123', '1234', '12345', '123456', '1234567', '12345678', '123456789', '1234567890',
  '!', '1!', '12!', '123!', '1234!', '12345!', '@123', '#1', '01', '007', '69', '666', '777', '1111', '0000',
  '321', '4321', '54321', '123123', '!!', '!@#', '!@#$', '99', '11', '22', '13', '23'];
const years = [];
for (let y = 1970; y <= 2030; y++) years.push(String(y), `${y}!`);
const prefixes = ['my', 'the', 'ilove', 'iloveyou', 'love', 'super', 'big'];

const out = new Set(top.map((w) => w.toLowerCase()));
// The policy already refuses anything under 12 characters; the list exists for the longer ones.
const add = (candidate) => {
  const c = candidate.toLowerCase();
  if (c.length >= 12 && c.length <= 24) out.add(c);
};
// Most plausible first: word + common suffix, then word + year, then a prefix as well.
for (const word of words) for (const suffix of basic) add(word + suffix);
for (const word of words) for (const year of years) add(word + year);
for (const prefix of prefixes) for (const word of words) for (const suffix of ['', '1', '123', '1234', '!', '123!']) add(prefix + word + suffix);

// Keyboard walks and runs that pass a length rule but nothing else.
const walks = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1234567890', '0987654321', 'qazwsxedcrfvtgb', '1qaz2wsx3edc4rfv',
  'zaq12wsxcde3', 'qwertyuiopasdfghjkl', 'poiuytrewq', 'lkjhgfdsa', 'mnbvcxz', '!qaz@wsx#edc', '1q2w3e4r5t6y7u8i9o0p'];
for (const w of walks) for (let n = 12; n <= w.length; n++) out.add(w.slice(0, n));
for (const d of '0123456789') for (let n = 12; n <= 20; n++) out.add(d.repeat(n));
for (let n = 12; n <= 20; n++) out.add('1234567890'.repeat(3).slice(0, n));

// Keep the list to a size that loads instantly: the most plausible (shortest prefixes/suffixes) come first.
const list = [...out].slice(0, 10_000).sort();
writeFileSync(new URL('./common-passwords.txt', import.meta.url),
  `# Common and breached passwords (lower case), refused by the password policy. Generated by generate-common-passwords.mjs.\n${list.join('\n')}\n`);
console.log(`wrote ${list.length} passwords`);
