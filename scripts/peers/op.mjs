// Test OpenID Providers for segur's relying party (npm `oidc-provider`, panva, a certified OP
// library), on 127.0.0.1. Two providers in one process:
//
//   standard (iSC-style, ProConnect/Keycloak-like)  http://127.0.0.1:$OIDC_PORT  (default 9090)
//     client `segur-test` / `segur-test-secret`; scopes openid email profile; identifier `sub`.
//   Pro Santé Connect-like                         http://127.0.0.1:$PSC_PORT   (default 9091)
//     client `segur-psc` / `segur-psc-secret`; scope `scope_all` carrying `SubjectNameID`,
//     `given_name`, `family_name`; acr `eidas1`; discovery ONLY at the non-standard path
//     /.well-known/wallet-openid-configuration (the standard path answers 404), as PSC does.
//
// Both: authorization code + PKCE (required), client_secret_basic, RP-initiated logout, fresh
// RSA signing keys at every start (so that the two providers never share a key). Login and
// consent complete by themselves: the user is the authorization request's `login_hint`
// (default `alice`). On the PSC-like provider `SubjectNameID` is the login_hint, `sub` another
// value; login_hint `nosni` has no SubjectNameID, `lowacr` signs in with acr `eidas0`.
//
// The clients are `native` (RFC 8252): a loopback redirect URI matches on any port, so tests
// running segur on a random port need no configuration here. Redirect URIs:
// http://127.0.0.1/connexion/oidc/{isc,psc,...}/retour (see below).
//
// Usage: node scripts/peers/op.mjs   (scripts/peers/oidc.sh starts it in the background)
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const STD_PORT = Number(process.env.OIDC_PORT || 9090);
const PSC_PORT = Number(process.env.PSC_PORT || 9091);

function freshJwks(prefix) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: `${prefix}-${randomUUID()}`, alg: 'RS256', use: 'sig' }] };
}

const redirects = (ids) => ids.map((id) => `http://127.0.0.1/connexion/oidc/${id}/retour`);

function autoInteractions(provider, acrFor) {
  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      const accountId = details.params.login_hint || 'alice';
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      const login = { accountId };
      const acr = acrFor(accountId);
      if (acr) login.acr = acr;
      ctx.redirect(await provider.interactionResult(ctx.req, ctx.res,
        { login, consent: { grantId } }, { mergeWithLastSubmission: false }));
      return;
    }
    await next();
  });
}

const common = {
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { AuthorizationCode: 120 },
};

// --- standard / iSC-style -------------------------------------------------------------------
const std = new Provider(`http://127.0.0.1:${STD_PORT}`, {
  ...common,
  clients: [{
    client_id: 'segur-test', client_secret: 'segur-test-secret', application_type: 'native',
    redirect_uris: redirects(['isc', 'keycloak', 'autre-cle']),
    post_logout_redirect_uris: ['http://127.0.0.1/'],
    grant_types: ['authorization_code'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: freshJwks('std'),
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: [randomUUID()] },
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() {
      return { sub, email: `${sub}@example.test`, email_verified: true, name: `Utilisateur ${sub}` }; } };
  },
});
autoInteractions(std, () => undefined);

// --- Pro Santé Connect-like -----------------------------------------------------------------
const psc = new Provider(`http://127.0.0.1:${PSC_PORT}`, {
  ...common,
  clients: [{
    client_id: 'segur-psc', client_secret: 'segur-psc-secret', application_type: 'native',
    redirect_uris: redirects(['psc']),
    post_logout_redirect_uris: ['http://127.0.0.1/'],
    grant_types: ['authorization_code'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: freshJwks('psc'),
  acrValues: ['eidas1', 'eidas0'],
  scopes: ['openid', 'scope_all'],
  claims: { openid: ['sub'], scope_all: ['SubjectNameID', 'given_name', 'family_name', 'SubjectRefPro'] },
  cookies: { keys: [randomUUID()] },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() {
      const c = { sub: `psc-sub-${id}`, given_name: 'Jeanne', family_name: `Martin-${id}` };
      if (id !== 'nosni') c.SubjectNameID = id;
      return c; } };
  },
});
// PSC publishes its discovery document at a non-standard path only.
psc.use(async (ctx, next) => {
  if (ctx.path === '/.well-known/openid-configuration') { ctx.status = 404; ctx.body = 'not here'; return; }
  if (ctx.path === '/.well-known/wallet-openid-configuration') ctx.path = '/.well-known/openid-configuration';
  await next();
});
autoInteractions(psc, (id) => (id === 'lowacr' ? 'eidas0' : 'eidas1'));

std.listen(STD_PORT, '127.0.0.1', () => console.log(`standard OP on http://127.0.0.1:${STD_PORT}`));
psc.listen(PSC_PORT, '127.0.0.1', () => console.log(`PSC-like OP on http://127.0.0.1:${PSC_PORT}`));
