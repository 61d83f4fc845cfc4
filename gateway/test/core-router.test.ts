// Routing as Kong 3.10's traditional_compatible router: priorities, prefix and regex paths,
// methods, hosts, strip_path and the service path (path_handling v0).
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseKongConfig } from '../src/declarative/load-kong-config.ts';
import { normalizePath } from '../src/router/normalize-path.ts';
import { createRouter } from '../src/router/router.ts';
import { upstreamPath } from '../src/router/upstream-path.ts';

function routerFor(routes: Record<string, unknown>[], servicePath = '/') {
  const doc = { _format_version: '3.0', services: [{ name: 'svc', url: `http://127.0.0.1:9${servicePath}`, routes }] };
  const { config } = parseKongConfig(stringify(doc), 'test.yml', { definitions: [] });
  const router = createRouter(config.routes, config.services);
  return (path: string, { method = 'GET', host = 'gw.local', port = 8000 } = {}) => {
    const m = router.match(method, host, port, path);
    return m ? { route: m.route.name, upstream: m.upstreamPath, matched: m.matchedPath, captures: m.captures } : null;
  };
}

describe('upstreamPath (Kong path_handling v0)', () => {
  // [service path, matched prefix, request path, strip_path, upstream path], from Kong's documented table.
  const table: [string, string, string, boolean, string][] = [
    ['/s', '/fv0', '/fv0/req', true, '/s/req'],
    ['/s', '/fv0', '/fv0/req', false, '/s/fv0/req'],
    ['/s', '/fv0/', '/fv0/req', true, '/s/req'],
    ['/s/', '/fv0', '/fv0/req', true, '/s/req'],
    ['/s/', '/fv0', '/fv0/req', false, '/s/fv0/req'],
    ['/s', '/fv0', '/fv0', true, '/s'],
    ['/s/', '/fv0', '/fv0', true, '/s'],
    ['/s', '/fv0', '/fv0/', true, '/s/'],
    ['/s/', '/fv0', '/fv0/', true, '/s/'],
    ['/s', '/fv0', '/fv0req', true, '/s/req'],
    ['/', '/fv0', '/fv0', true, '/'],
    ['/', '/fv0', '/fv0/req', true, '/req'],
    ['/', '/fv0', '/fv0/req', false, '/fv0/req'],
    ['/s', '/fv0', '/fv0..', true, '/s'],
  ];
  for (const [base, matched, req, strip, expected] of table) {
    it(`service ${base}, route ${matched}, request ${req}, strip_path ${strip} → ${expected}`, () => {
      expect(upstreamPath(req, matched, strip, base)).toBe(expected);
    });
  }

  it('keeps the whole path when the route has no path condition', () => {
    expect(upstreamPath('/a/b', null, true, '/s')).toBe('/s/a/b');
    expect(upstreamPath('/', null, true, '/s')).toBe('/s');
  });
});

describe('normalizePath', () => {
  it('resolves dot segments, merges slashes and decodes unreserved escapes only', () => {
    expect(normalizePath('/public/../auth/sessions')).toBe('/auth/sessions');
    expect(normalizePath('/a/./b//c')).toBe('/a/b/c');
    expect(normalizePath('/a/b/..')).toBe('/a/');
    expect(normalizePath('/..')).toBe('/');
    expect(normalizePath('/%61uth/%2fx%3f')).toBe('/auth/%2Fx%3F');
    expect(normalizePath('/plain/path')).toBe('/plain/path');
  });
});

describe('createRouter', () => {
  it('answers null when nothing matches', () => {
    expect(routerFor([{ name: 'a', paths: ['/a'] }])('/b')).toBeNull();
  });

  it('matches prefixes as plain string prefixes, as Kong does', () => {
    const match = routerFor([{ name: 'a', paths: ['/api'] }]);
    expect(match('/api/x')).toMatchObject({ route: 'a', upstream: '/x', matched: '/api' });
    expect(match('/apix')).toMatchObject({ route: 'a', upstream: '/x' });
  });

  it('lets the longest prefix win, whatever the declaration order', () => {
    const match = routerFor([
      { name: 'short', paths: ['/api'] },
      { name: 'long', paths: ['/api/users'] },
    ]);
    expect(match('/api/users/1')?.route).toBe('long');
    expect(match('/api/files')?.route).toBe('short');
  });

  it('splits a route with prefixes of several lengths, each ranked by its own length', () => {
    const match = routerFor([
      { name: 'multi', paths: ['/a', '/b/c/d'] },
      { name: 'mid', paths: ['/b/c'] },
    ]);
    expect(match('/b/c/d/e')?.route).toBe('multi');
    expect(match('/b/c/x')?.route).toBe('mid');
  });

  it('tries regex paths before prefix paths, by regex_priority, and strips the regex match', () => {
    const match = routerFor([
      { name: 'prefix', paths: ['/users/me/settings'] },
      { name: 'low', paths: ['~/users/(?<id>[^/]+)'], regex_priority: 1 },
      { name: 'high', paths: ['~/users/(?<id>\\d+)$'], regex_priority: 10 },
    ]);
    expect(match('/users/42')).toMatchObject({ route: 'high', captures: { id: '42' }, upstream: '/' });
    expect(match('/users/ann/files')).toMatchObject({ route: 'low', upstream: '/files', captures: { id: 'ann' } });
    // A regex route outranks even a longer prefix (Kong's REGEX_URL bit sits above the length).
    expect(match('/users/me/settings')?.route).toBe('low');
  });

  it('anchors regexes at the start of the path', () => {
    const match = routerFor([{ name: 'rx', paths: ['~/v\\d+/x'] }]);
    expect(match('/v2/x/y')).toMatchObject({ route: 'rx', upstream: '/y' });
    expect(match('/a/v2/x')).toBeNull();
  });

  it('matches methods, and a route with more conditions outranks a longer prefix', () => {
    const match = routerFor([
      { name: 'any', paths: ['/api/things'] },
      { name: 'posts', paths: ['/api'], methods: ['POST'] },
    ]);
    expect(match('/api/things', { method: 'POST' })?.route).toBe('posts');
    expect(match('/api/things', { method: 'GET' })?.route).toBe('any');
    expect(match('/api/other', { method: 'GET' })).toBeNull();
  });

  it('matches exact, leading-wildcard and trailing-wildcard hosts (and host:port), plain hosts first', () => {
    const match = routerFor([
      { name: 'wild', hosts: ['*.example.com'], paths: ['/'] },
      { name: 'plain', hosts: ['api.example.com'], paths: ['/'] },
      { name: 'tail', hosts: ['internal.*'], paths: ['/'] },
      { name: 'port', hosts: ['ported.test:9000'], paths: ['/'] },
    ]);
    expect(match('/x', { host: 'api.example.com' })?.route).toBe('plain');
    expect(match('/x', { host: 'files.example.com' })?.route).toBe('wild');
    expect(match('/x', { host: 'example.com' })).toBeNull();
    expect(match('/x', { host: 'internal.corp' })?.route).toBe('tail');
    expect(match('/x', { host: 'ported.test', port: 9000 })?.route).toBe('port');
    expect(match('/x', { host: 'ported.test', port: 8000 })).toBeNull();
  });

  it('sends the request path after the service path when strip_path is off', () => {
    const match = routerFor([{ name: 'keep', paths: ['/api'], strip_path: false }], '/base');
    expect(match('/api/x')?.upstream).toBe('/base/api/x');
  });

  it('joins the service path with what strip_path leaves', () => {
    const match = routerFor([{ name: 'auth', paths: ['/KONGAPI/api/v1/auth'] }], '/api/v1/auth');
    expect(match('/KONGAPI/api/v1/auth/sessions')?.upstream).toBe('/api/v1/auth/sessions');
    expect(match('/KONGAPI/api/v1/auth')?.upstream).toBe('/api/v1/auth');
  });

  it('keeps declaration order between routes of equal priority', () => {
    const match = routerFor([
      { name: 'first', paths: ['/same'] },
      { name: 'second', paths: ['/same'] },
    ]);
    expect(match('/same')?.route).toBe('first');
  });
});
