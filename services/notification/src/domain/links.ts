// Links in mails point at the client app (PUBLIC_APP_URL), which shows the page and calls the API:
//   <PUBLIC_APP_URL>/verify-email?token=<token>    → POST /public/auth/verify-email {token}
//   <PUBLIC_APP_URL>/reset-password?token=<token>  → POST /public/auth/reset-password {token, password}
// Invitations use reset-password as well (auth accepts the set-password token there), with invite=1
// so the page can say "choose a password" instead of "reset".

const join = (base: string, path: string) => `${base.replace(/\/+$/, '')}${path}`;

export const verifyEmailLink = (base: string, token: string): string => `${join(base, '/verify-email')}?token=${encodeURIComponent(token)}`;

export const resetPasswordLink = (base: string, token: string): string => `${join(base, '/reset-password')}?token=${encodeURIComponent(token)}`;

export const invitationLink = (base: string, token: string): string => `${resetPasswordLink(base, token)}&invite=1`;

/** The page to start a reset from (no token: the user asks for one). */
export const forgotPasswordLink = (base: string): string => join(base, '/forgot-password');

export const filesLink = (base: string): string => join(base, '/files');

/** Where users choose which notifications they get (List-Unsubscribe of mails that can be turned off). */
export const notificationSettingsLink = (base: string): string => join(base, '/settings/notifications');
