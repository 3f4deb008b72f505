// Browser test of segur: starts the real binary on demo data, drives Debian's headless Chromium
// through the editor's journey (home → connexion → tableau de bord → candidature → chapitre →
// exigence) and the ANS's instruction up to the referral and the public check of the attestation,
// checks every page with axe-core (WCAG 2.1 A/AA), checks that the journey works without
// JavaScript and that pages respect their own Content-Security-Policy.
//
// Usage: node e2e/run.mjs            (scripts/test.sh builds the binary first)
// Environment:
//   SEGUR_BIN                 path of the segur binary (default: target/debug/segur)
//   CHROMIUM                  path of Chromium (default: `chromium` on PATH, then /usr/bin/chromium)
//   SEGUR_UPDATE_SCREENSHOT=1 rewrite docs/screenshot.png from the dashboard (1280×800)
//   SEGUR_E2E_HEADED=1        show the browser (debugging)

import { spawn, execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const DEMO_LOGIN = 'mandataire@monlps.demo';
const DEMO_PASSWORD = 'segur-demo-2026';
/** TOTP secret of the demo ANS and ASP accounts (printed by `segur serve --demo`). */
const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const CANDIDATURE = 'monlps-psf';
/** Demo candidature in instruction whose proofs are all deposited, two awaiting a decision. */
const REFERRAL_CANDIDATURE = 'medisol-ms';
const REFERRAL_ITEMS_TO_DECIDE = 2;
const VIEWPORT = { width: 1280, height: 800 };
/** This run's sender address (see startServer and mails()). */
const MAIL_FROM = `e2e-${process.pid}-${Date.now()}@segur.test`;
const SERVER_START_TIMEOUT_MS = 60_000;
const STEP_TIMEOUT_MS = 15_000;
/** Requirement IDs look like `SC.SSI/GEN.18` (see RequirementId::parse in segur-domain). */
const REQUIREMENT_ID_RE = /[A-Z]+\.[A-Z0-9_/]+(?:\.\d{1,4})+/;

// ---------------------------------------------------------------------------------------------
// Tiny test harness: a scenario is a sequence of dependent steps; the first failing step ends
// its scenario (later steps would only fail for the same reason) and the next scenario runs.

let passed = 0;
let failed = 0;
const failures = [];

class StepFailure extends Error {}

function assert(condition, message) {
  if (!condition) throw new StepFailure(message);
}

async function scenario(name, body) {
  console.log(`\n▶ ${name}`);
  const step = async (label, fn) => {
    const started = Date.now();
    try {
      const result = await fn();
      passed += 1;
      console.log(`  ✓ ${label} (${Date.now() - started} ms)`);
      return result;
    } catch (err) {
      failed += 1;
      const why = err instanceof StepFailure ? err.message : (err?.stack ?? String(err));
      failures.push(`${name} › ${label}\n${indent(why, 4)}`);
      console.log(`  ✗ ${label}\n${indent(why, 4)}`);
      throw new ScenarioAborted();
    }
  };
  try {
    await body(step);
  } catch (err) {
    if (!(err instanceof ScenarioAborted)) {
      failed += 1;
      const why = err?.stack ?? String(err);
      failures.push(`${name}\n${indent(why, 4)}`);
      console.log(`  ✗ ${name}: unexpected error\n${indent(why, 4)}`);
    }
  }
}

class ScenarioAborted extends Error {}

function indent(text, n) {
  const pad = ' '.repeat(n);
  return String(text)
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// The server under test.

function findChromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    return '/usr/bin/chromium';
  }
}

/** Spawns `segur serve --demo` on a free port and resolves with its URL once it says so. */
async function startServer(dataDir) {
  const bin = process.env.SEGUR_BIN ?? join(ROOT, 'target', 'debug', 'segur');
  if (!existsSync(bin)) {
    throw new Error(`segur binary not found at ${bin} (build it with: cargo build -p segur)`);
  }
  const env = { ...process.env };
  // The browser test always runs on the embedded defaults, in its own data directory.
  delete env.SEGUR_DATABASE_URL;
  delete env.SEGUR_BLOB_URL;
  const args = ['serve', '--demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir];
  // A real clamd when scripts/test.sh started one: deposited files get scanned and served.
  if (process.env.SEGUR_TEST_CLAMD) args.push('--clamd', process.env.SEGUR_TEST_CLAMD);
  // A real SMTP sink (aiosmtpd) when scripts/test.sh started one: notifications are e-mailed
  // from this run's own sender, so that the mails scenario reads only its own messages.
  if (process.env.SEGUR_TEST_SMTP_URL) {
    args.push('--smtp-url', process.env.SEGUR_TEST_SMTP_URL, '--mail-from', `segur e2e <${MAIL_FROM}>`);
  }
  console.log(`starting: ${bin} ${args.join(' ')}`);
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  const remember = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim()) log.push(line);
    }
    if (log.length > 200) log.splice(0, log.length - 200);
  };
  child.stderr.on('data', remember);

  const url = await new Promise((resolveUrl, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      reject(new Error(`server did not print "segur: listening on http://…" within ${SERVER_START_TIMEOUT_MS / 1000} s`));
    }, SERVER_START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      remember(chunk);
      buffer += chunk.toString();
      const m = buffer.match(/segur: listening on (http:\/\/[^\s]+)/);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1].replace(/\/+$/, ''));
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening (code ${code}, signal ${signal})`));
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  }).catch((err) => {
    child.kill('SIGKILL');
    err.message += `\n--- server output (last lines) ---\n${log.join('\n')}`;
    throw err;
  });
  return { child, url, log };
}

async function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// Page checks.

/** Watches a page for what a person would see as breakage: uncaught script errors, CSP
 *  violations, and server errors (5xx) on any request the page makes. */
function watchPage(page, origin) {
  const problems = [];
  page.on('pageerror', (err) => problems.push(`uncaught script error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content[- ]Security[- ]Policy/i.test(msg.text())) {
      problems.push(`CSP violation: ${msg.text()}`);
    }
  });
  page.on('response', (res) => {
    if (res.url().startsWith(origin) && res.status() >= 500) {
      problems.push(`HTTP ${res.status()} on ${res.request().method()} ${res.url()}`);
    }
  });
  return {
    assertClean(where) {
      const found = problems.splice(0);
      assert(found.length === 0, `${where}:\n${found.map((p) => `- ${p}`).join('\n')}`);
    },
  };
}

async function checkA11y(page) {
  const alreadyLoaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!alreadyLoaded) await page.addScriptTag({ path: AXE_PATH });
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  const violations = results.violations;
  if (violations.length === 0) return;
  const text = violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map((n) => `      at ${n.target.join(' ')}\n${indent(n.failureSummary ?? '', 8)}`)
        .join('\n');
      const more = v.nodes.length > 5 ? `\n      … and ${v.nodes.length - 5} more element(s)` : '';
      return `- [${v.impact}] ${v.id}: ${v.help}\n      ${v.helpUrl}\n${nodes}${more}`;
    })
    .join('\n');
  throw new StepFailure(`axe-core found ${violations.length} accessibility violation(s) on ${page.url()}:\n${text}`);
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

async function h1Text(page) {
  const h1 = page.locator('h1');
  assert((await h1.count()) >= 1, `no <h1> on ${page.url()}`);
  return (await h1.first().innerText()).trim();
}

/** Submits the login form and waits for the page the server answers with (a redirect to the
 *  dashboard, or the form again with an error). */
/** RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret, computed independently of segur. */
function totp(secretBase32, atMs = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secretBase32.replace(/=+$/, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

/** Signs in through the form; answers the second-factor step when the account has one. */
async function login(page, base, password, who = DEMO_LOGIN, { a11y = false } = {}) {
  await page.goto(`${base}/connexion`);
  await page.locator('#login').fill(who);
  await page.locator('#password').fill(password);
  await Promise.all([
    page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
    page.getByRole('button', { name: 'Se connecter' }).click(),
  ]);
  await page.waitForLoadState('load');
  if (pathOf(page) === '/connexion/code') {
    if (a11y) await checkA11y(page);
    await page.locator('#code').fill(totp(DEMO_TOTP_SECRET));
    await Promise.all([
      page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
      page.getByRole('button', { name: 'Valider' }).click(),
    ]);
    await page.waitForLoadState('load');
    if (pathOf(page) === '/connexion/code') {
      // A code is accepted once (replay guard): the same account signed in earlier in this
      // 30-second step. Wait for the next step's code.
      await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 500);
      await page.locator('#code').fill(totp(DEMO_TOTP_SECRET));
      await Promise.all([
        page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
        page.getByRole('button', { name: 'Valider' }).click(),
      ]);
      await page.waitForLoadState('load');
    }
    assert(pathOf(page) !== '/connexion/code', `second factor of ${who} refused`);
  }
}

async function newContext(browser, options) {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'fr-FR', ...options });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  return context;
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

async function journeyWithJavaScript(browser, base) {
  await scenario('journey of an editor (JavaScript on, WCAG 2.1 AA on every page)', async (step) => {
    // axe-core is injected as an inline script, which the server's CSP rightly forbids.
    const context = await newContext(browser, { bypassCSP: true });
    try {
      const page = await context.newPage();
      const watch = watchPage(page, base);

      await step('home page has an <h1> and a "Se connecter" link to /connexion', async () => {
        const res = await page.goto(`${base}/`);
        assert(res?.status() === 200, `GET / answered ${res?.status()}`);
        await h1Text(page);
        const link = page.getByRole('link', { name: 'Se connecter' }).first();
        assert((await link.count()) === 1, 'no link named "Se connecter" on the home page');
        const href = await link.getAttribute('href');
        assert(href === '/connexion', `"Se connecter" points to ${href}, expected /connexion`);
        await checkA11y(page);
        watch.assertClean('home page');
        await link.click();
        await page.waitForURL((u) => u.pathname === '/connexion');
      });

      await step('the public register is open without signing in and searchable (PUB-01)', async () => {
        await page.goto(`${base}/registre`);
        const h1 = await h1Text(page);
        assert(h1.includes('Registre public'), `register <h1> is "${h1}"`);
        await page.locator('#q').fill('medi');
        await Promise.all([
          page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
          page.getByRole('button', { name: 'Rechercher' }).click(),
        ]);
        await page.waitForLoadState('load');
        assert((await page.getByText('Medi10').count()) >= 1, 'searching "medi" does not find Medi10');
        await checkA11y(page);
        watch.assertClean('register page');
        await page.goto(`${base}/connexion`);
      });

      await step('login page is accessible and has the #login / #password form', async () => {
        await h1Text(page);
        assert((await page.locator('#login').count()) === 1, 'no #login field on /connexion');
        assert((await page.locator('#password').count()) === 1, 'no #password field on /connexion');
        await checkA11y(page);
        watch.assertClean('login page');
      });

      await step('a wrong password is refused with an accessible message', async () => {
        await login(page, base, 'not-the-password');
        assert(pathOf(page) !== '/tableau-de-bord', 'a wrong password opened the dashboard');
        assert((await page.locator('#login').count()) === 1, 'the login form is not shown again after a wrong password');
        const alert = page.getByRole('alert');
        assert((await alert.count()) >= 1, 'no role="alert" message tells the user the sign-in failed');
        await checkA11y(page);
        watch.assertClean('login page after a wrong password');
      });

      await step('the demo mandataire logs in and lands on the dashboard', async () => {
        await login(page, base, DEMO_PASSWORD);
        await page.waitForURL((u) => u.pathname === '/tableau-de-bord');
        const h1 = await h1Text(page);
        assert(h1.includes('Tableau de bord'), `dashboard <h1> is "${h1}", expected it to contain "Tableau de bord"`);
        const links = page.locator('table a[href^="/candidatures/"]');
        assert((await links.count()) >= 1, 'the dashboard has no table of candidatures with a[href^="/candidatures/"]');
        await checkA11y(page);
        watch.assertClean('dashboard');
        if (process.env.SEGUR_UPDATE_SCREENSHOT === '1') {
          const file = join(ROOT, 'docs', 'screenshot.png');
          await page.screenshot({ path: file, fullPage: false });
          console.log(`    wrote ${file}`);
        }
      });

      await step(`candidature ${CANDIDATURE} lists its chapters`, async () => {
        await page.locator(`a[href="/candidatures/${CANDIDATURE}"]`).first().click();
        await page.waitForURL((u) => u.pathname === `/candidatures/${CANDIDATURE}`);
        await h1Text(page);
        const heading = page.getByRole('heading', { name: 'Chapitres' });
        assert((await heading.count()) >= 1, 'no heading "Chapitres" on the candidature page');
        const chapters = page.locator(`a[href^="/candidatures/${CANDIDATURE}/chapitres/"]`);
        assert((await chapters.count()) >= 1, 'the candidature page has no chapter links');
        await checkA11y(page);
        watch.assertClean('candidature page');
      });

      const requirement = await step('the first chapter shows a table of proof items with requirement links', async () => {
        const first = page.locator(`a[href^="/candidatures/${CANDIDATURE}/chapitres/"]`).first();
        const href = await first.getAttribute('href');
        await first.click();
        await page.waitForURL((u) => u.pathname === new URL(href, base).pathname);
        await h1Text(page);
        const reqLinks = page.locator('table tr a[href^="/catalogue/exigence?"]');
        assert((await reqLinks.count()) >= 1, `the chapter page ${href} has no table row linking a[href^="/catalogue/exigence?"]`);
        await checkA11y(page);
        watch.assertClean('chapter page');
        const link = reqLinks.first();
        const reqHref = await link.getAttribute('href');
        const candidates = [
          (await link.innerText()).trim(),
          ...new URL(reqHref, base).searchParams.values(),
        ];
        const id = candidates.map((c) => c.match(REQUIREMENT_ID_RE)?.[0]).find(Boolean);
        assert(id, `cannot tell which requirement ${reqHref} points to (no ID like SC.SSI/GEN.18 in its text or query)`);
        return { id, reqHref };
      });

      await step(`the requirement page names ${requirement.id} in its <h1>`, async () => {
        await page.locator('table tr a[href^="/catalogue/exigence?"]').first().click();
        await page.waitForURL((u) => u.pathname === '/catalogue/exigence');
        const h1 = await h1Text(page);
        assert(h1.includes(requirement.id), `requirement page <h1> is "${h1}", expected it to contain ${requirement.id}`);
        await checkA11y(page);
        watch.assertClean('requirement page');
      });

      await step('the REM page and its change log page (REM-03) are accessible', async () => {
        await page.goto(`${base}/catalogue/dispositifs/MDV-LGC-Va2`);
        const rem = page.locator('a[href^="/catalogue/dispositifs/MDV-LGC-Va2/rem/"]').first();
        const href = await rem.getAttribute('href');
        assert(href, 'the dispositif page links no REM version');
        await page.goto(new URL(href, base).href);
        await h1Text(page);
        await checkA11y(page);
        const version = href.split('/').pop();
        await page.goto(`${base}${href}/modifications/${version}`);
        const h1 = await h1Text(page);
        assert(h1.includes('modifications'), `change log page <h1> is "${h1}"`);
        await checkA11y(page);
        watch.assertClean('REM and change log pages');
      });

      await step('API tokens page: create (secret shown once), accessible, revoke', async () => {
        await page.goto(`${base}/tableau-de-bord`);
        await Promise.all([
          page.waitForURL((u) => u.pathname === '/compte/jetons'),
          page.getByRole('link', { name: "Jetons d'API" }).click(),
        ]);
        await checkA11y(page);
        await page.locator('#name').fill('Navigateur e2e');
        await Promise.all([
          page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
          page.getByRole('button', { name: 'Créer le jeton' }).click(),
        ]);
        const secret = await page.locator('[role="status"] #secret').inputValue();
        assert(/^segur_pat_[0-9a-f]{64}$/.test(secret), `secret shown is "${secret}"`);
        await checkA11y(page);
        await Promise.all([
          page.waitForURL((u) => u.pathname === '/compte/jetons'),
          page.getByRole('button', { name: 'Révoquer le jeton Navigateur e2e' }).click(),
        ]);
        assert(!(await page.content()).includes(secret), 'the secret is shown again');
        watch.assertClean('API tokens page');
      });

      await step('signing out ends the session', async () => {
        await Promise.all([
          page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
          page.getByRole('button', { name: 'Se déconnecter' }).click(),
        ]);
        await page.goto(`${base}/tableau-de-bord`);
        assert(pathOf(page) === '/connexion', `after signing out, /tableau-de-bord showed ${page.url()} instead of the sign-in page`);
        watch.assertClean('sign-out');
      });
    } finally {
      await context.close();
    }
  });
}

async function journeyWithoutJavaScript(browser, base) {
  await scenario('the same journey works without JavaScript', async (step) => {
    const context = await newContext(browser, { javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const watch = watchPage(page, base);
      await step('login form posts and redirects to the dashboard', async () => {
        await login(page, base, DEMO_PASSWORD);
        await page.waitForURL((u) => u.pathname === '/tableau-de-bord');
        const h1 = await h1Text(page);
        assert(h1.includes('Tableau de bord'), `dashboard <h1> is "${h1}"`);
        watch.assertClean('dashboard without JavaScript');
      });
      await step('dashboard → candidature → first chapter by plain links', async () => {
        await page.locator(`a[href="/candidatures/${CANDIDATURE}"]`).first().click();
        await page.waitForURL((u) => u.pathname === `/candidatures/${CANDIDATURE}`);
        await h1Text(page);
        const first = page.locator(`a[href^="/candidatures/${CANDIDATURE}/chapitres/"]`).first();
        assert((await first.count()) === 1, 'no chapter link without JavaScript');
        await first.click();
        await page.waitForURL((u) => u.pathname.startsWith(`/candidatures/${CANDIDATURE}/chapitres/`));
        assert(
          (await page.locator('table tr a[href^="/catalogue/exigence?"]').count()) >= 1,
          'the chapter page has no requirement links without JavaScript',
        );
        watch.assertClean('candidature and chapter pages without JavaScript');
      });
    } finally {
      await context.close();
    }
  });
}

async function signInRoundTrip(browser, base) {
  await scenario('a signed-out visitor is sent to sign in, then back to the page asked for', async (step) => {
    const context = await newContext(browser, {});
    try {
      const page = await context.newPage();
      const watch = watchPage(page, base);
      const target = `/candidatures/${CANDIDATURE}`;
      await step(`${target} redirects to the sign-in page`, async () => {
        await page.goto(`${base}${target}`);
        assert(pathOf(page) === '/connexion', `a signed-out GET ${target} showed ${page.url()}, expected /connexion`);
        watch.assertClean('redirect to sign-in');
      });
      await step(`after signing in, the user is back on ${target}`, async () => {
        await page.locator('#login').fill(DEMO_LOGIN);
        await page.locator('#password').fill(DEMO_PASSWORD);
        await Promise.all([
          page.waitForURL((u) => u.pathname === target),
          page.getByRole('button', { name: 'Se connecter' }).click(),
        ]);
        await h1Text(page);
        watch.assertClean('return after sign-in');
      });
    } finally {
      await context.close();
    }
  });
}

async function adminImport(browser, base) {
  await scenario('an ANS référent reaches the REM import page (accessible, upload form)', async (step) => {
    // axe-core is injected as an inline script, which the server's CSP rightly forbids.
    const context = await newContext(browser, { bypassCSP: true });
    try {
      const page = await context.newPage();
      const watch = watchPage(page, base);
      await step('the référent signs in and opens /admin/catalogue/import', async () => {
        await login(page, base, DEMO_PASSWORD, 'referent@ans.demo', { a11y: true });
        await page.goto(`${base}/admin/catalogue/import`);
        const h1 = await h1Text(page);
        assert(h1 === 'Importer un REM', `import page <h1> is "${h1}"`);
        assert((await page.locator('form[enctype="multipart/form-data"] input[type="file"]').count()) === 1, 'no file input');
        await checkA11y(page);
        watch.assertClean('REM import page');
      });
    } finally {
      await context.close();
    }
  });
}

async function accountSecurity(browser, base) {
  await scenario('account security: second factor, password rules, team management (accessible)', async (step) => {
    const context = await newContext(browser, { bypassCSP: true });
    try {
      const page = await context.newPage();
      const watch = watchPage(page, base);
      await step('the mandataire opens « Sécurité du compte » and the enrolment page', async () => {
        await login(page, base, DEMO_PASSWORD);
        await page.getByRole('link', { name: 'Sécurité du compte' }).click();
        await page.waitForURL((u) => u.pathname === '/compte/securite');
        await checkA11y(page);
        await page.getByRole('link', { name: 'Activer le second facteur' }).click();
        await page.waitForURL((u) => u.pathname === '/compte/securite/activation');
        assert((await page.locator('figure.qr svg').count()) === 1, 'no QR code');
        await checkA11y(page);
        watch.assertClean('security pages');
      });
      await step('a weak password is refused with the rule, in French', async () => {
        await page.goto(`${base}/compte/securite`);
        await page.locator('#current').fill(DEMO_PASSWORD);
        await page.locator('#new').fill('motdepasse12');
        await page.locator('#confirm').fill('motdepasse12');
        await Promise.all([
          page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
          page.getByRole('button', { name: 'Changer le mot de passe' }).click(),
        ]);
        await page.waitForLoadState('load');
        assert((await page.getByText('mot de passe trop faible').count()) >= 1 || (await page.getByText('Mot de passe trop faible').count()) >= 1, 'weak password not refused');
        await checkA11y(page);
      });
      await step('the mandataire creates a salarié account from « Équipe »', async () => {
        await page.getByRole('link', { name: 'Équipe' }).click();
        await page.waitForURL((u) => u.pathname === '/compte/equipe');
        await checkA11y(page);
        await page.locator('#login').fill('nouveau@monlps.demo');
        await page.locator('#name').fill('Nouvelle Recrue');
        await page.locator('#role').selectOption('editor_salarie');
        await page.locator('#password').fill('Bienvenue-chez-MonLPS-2026');
        await Promise.all([
          page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
          page.getByRole('button', { name: 'Créer le compte' }).click(),
        ]);
        await page.waitForLoadState('load');
        assert((await page.getByText('Compte nouveau@monlps.demo créé').count()) >= 1, 'no confirmation of the creation');
        await checkA11y(page);
        watch.assertClean('team page');
      });
      await step('the history shows the creation, with CSV and JSON exports', async () => {
        await page.getByRole('link', { name: 'Historique' }).click();
        await page.waitForURL((u) => u.pathname === '/historique');
        assert((await page.getByText('account.create').count()) >= 1, 'account creation not in the history');
        assert((await page.locator('a[href="/api/v1/audit/export?format=csv"]').count()) === 1, 'no CSV export link');
        await checkA11y(page);
        watch.assertClean('history page');
      });
    } finally {
      await context.close();
    }
  });
}

/** A minimal valid 1×1 PNG (magic bytes checked by the server). */
const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

async function proofFiles(browser, base) {
  await scenario('proof files: upload with a progress bar, hash and antivirus state shown (accessible)', async (step) => {
    const context = await newContext(browser, { bypassCSP: true });
    try {
      const page = await context.newPage();
      const watch = watchPage(page, base);
      let filesUrl = null;
      let pdfUrl = null;
      await step('the editor opens the files page of a proof item still open for deposit', async () => {
        await login(page, base, DEMO_PASSWORD);
        await page.goto(`${base}/candidatures/${CANDIDATURE}`);
        const chapter = page.locator(`a[href^="/candidatures/${CANDIDATURE}/chapitres/"]`).first();
        await chapter.click();
        await page.waitForURL((u) => u.pathname.startsWith(`/candidatures/${CANDIDATURE}/chapitres/`));
        const links = await page.locator(`a[href^="/candidatures/${CANDIDATURE}/fichiers?"]`).evaluateAll(
          (as) => as.map((a) => a.getAttribute('href')),
        );
        assert(links.length > 0, 'no « Fichiers » link on the chapter page');
        for (const href of links.slice(0, 25)) {
          await page.goto(`${base}${href}`);
          const accept = (await page.locator('#fichier').getAttribute('accept').catch(() => null)) || '';
          if (!filesUrl && (accept.includes('png') || accept.includes('image'))) {
            filesUrl = href;
          } else if (!pdfUrl && accept.includes('pdf')) {
            pdfUrl = href;
          }
          if (filesUrl && pdfUrl) break;
        }
        assert(filesUrl, 'no proof item taking images among the first links');
        assert((await page.getByText('Taille maximale d\'un fichier').count()) >= 1, 'limits not shown before upload');
        await checkA11y(page);
      });
      await step('a PNG is sent in chunks with a progress bar, then listed with its SHA-256', async () => {
        await page.locator('#fichier').setInputFiles({ name: 'capture-e2e.png', mimeType: 'image/png', buffer: PNG_1X1 });
        await page.getByRole('button', { name: 'Déposer' }).click();
        await page.locator('.upload-progress progress').first().waitFor();
        await page.getByText('déposé (').first().waitFor({ timeout: STEP_TIMEOUT_MS });
        await page.waitForLoadState('load');
        await page.goto(`${base}${filesUrl}`);
        const row = page.locator('tr', { hasText: 'capture-e2e.png' }).first();
        await row.waitFor();
        const text = await row.innerText();
        const sha = createHash('sha256').update(PNG_1X1).digest('hex');
        assert(text.includes(sha), `the listed hash is not the file's SHA-256: ${text}`);
        await checkA11y(page);
        watch.assertClean('proof files page');
      });
      // The preview needs the antivirus' verdict: scripts/test.sh starts a real clamd.
      if (process.env.SEGUR_TEST_CLAMD) {
        await step('once clamd declares the PNG clean, its name opens an inline preview in a sandbox', async () => {
          const href = await cleanFileLink(page, `${base}${filesUrl}`, 'capture-e2e.png');
          const resp = await page.goto(`${base}${href}`);
          assert(resp.status() === 200, `preview of ${href} answered ${resp.status()} (${resp.url()})`);
          assertPreviewHeaders(resp.headers(), 'image/png', href);
          const shown = await page.evaluate(() => Array.from(document.images).map((i) => i.naturalWidth));
          assert(shown.length === 1 && shown[0] === 1, `the browser did not render the 1×1 image inline: ${shown}`);
        });
        await step('a PDF deposited the same way is previewed inline, sandboxed, never sniffed', async () => {
          assert(pdfUrl, 'no proof item taking PDF among the first links');
          await page.goto(`${base}${pdfUrl}`);
          await page.locator('#fichier').setInputFiles({ name: 'rapport-e2e.pdf', mimeType: 'application/pdf', buffer: MINIMAL_PDF });
          await page.getByRole('button', { name: 'Déposer' }).click();
          await page.getByText('déposé (').first().waitFor({ timeout: STEP_TIMEOUT_MS });
          const href = await cleanFileLink(page, `${base}${pdfUrl}`, 'rapport-e2e.pdf');
          // Headless Chromium hands PDFs to its viewer or to a download depending on the build:
          // the response the browser gets, with the session's cookies, is what is checked.
          const resp = await page.context().request.get(`${base}${href}`);
          assert(resp.status() === 200, `PDF preview answered ${resp.status()}`);
          assertPreviewHeaders(resp.headers(), 'application/pdf', href);
          const body = await resp.body();
          assert(body.equals(MINIMAL_PDF), 'the previewed PDF is not the deposited bytes');
          // A range request, as the viewer makes: 206 with the asked bytes.
          const part = await page.context().request.get(`${base}${href}`, { headers: { Range: 'bytes=0-4' } });
          assert(part.status() === 206, `range request answered ${part.status()}`);
          assert((await part.body()).toString() === '%PDF-', 'range request returned other bytes');
        });
      }
    } finally {
      await context.close();
    }
  });
}

const MINIMAL_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n'
    + 'trailer <</Root 1 0 R>>\n%%EOF\n',
);

/** Reloads a files page until the antivirus has declared `name` clean (its name becomes a link). */
async function cleanFileLink(page, url, name) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    await page.goto(url);
    // The file's name becomes a link to its content once the file is clean.
    const link = page.locator('tr', { hasText: name }).locator('a[href$="/content"]');
    if ((await link.count()) > 0) {
      const href = await link.first().getAttribute('href');
      if (href) return href;
    }
    assert(Date.now() < deadline, `${name} never declared clean by clamd`);
    await page.waitForTimeout(500);
  }
}

function assertPreviewHeaders(headers, type, href) {
  assert((headers['content-type'] || '').startsWith(type), `${href}: content-type ${headers['content-type']}, expected ${type}`);
  assert((headers['content-disposition'] || '').startsWith('inline'), `not inline: ${headers['content-disposition']}`);
  assert((headers['content-security-policy'] || '').includes('sandbox'), `no CSP sandbox: ${headers['content-security-policy']}`);
  assert(headers['x-content-type-options'] === 'nosniff', 'no X-Content-Type-Options: nosniff');
}

async function strictCsp(browser, base) {
  await scenario('pages respect their own Content-Security-Policy', async (step) => {
    const context = await newContext(browser, {});
    try {
      const page = await context.newPage();
      const watch = watchPage(page, base);
      await step('the server sends a Content-Security-Policy header', async () => {
        const res = await page.goto(`${base}/`);
        const csp = (await res.allHeaders())['content-security-policy'];
        assert(csp, 'GET / has no Content-Security-Policy header');
        watch.assertClean('home page under its CSP');
      });
      await step('login, dashboard and candidature pages raise no CSP violation', async () => {
        await login(page, base, DEMO_PASSWORD);
        await page.waitForURL((u) => u.pathname === '/tableau-de-bord');
        await page.locator(`a[href="/candidatures/${CANDIDATURE}"]`).first().click();
        await page.waitForURL((u) => u.pathname === `/candidatures/${CANDIDATURE}`);
        await page.waitForLoadState('networkidle');
        watch.assertClean('pages under their CSP');
      });
    } finally {
      await context.close();
    }
  });
}

async function financing(browser, base) {
  await scenario('financing: the editor simulates a request, the ASP validates one (WCAG 2.1 AA)', async (step) => {
    const context = await newContext(browser, { bypassCSP: true });
    try {
      const page = await context.newPage();
      const watch = watchPage(page, base);

      await step('the editor opens "Financement" from the navigation and sees its orders', async () => {
        await login(page, base, DEMO_PASSWORD);
        await page.waitForURL((u) => u.pathname === '/tableau-de-bord');
        await page.getByRole('link', { name: 'Financement' }).first().click();
        await page.waitForURL((u) => u.pathname === '/financement');
        const h1 = await h1Text(page);
        assert(h1.includes('Financement'), `financing <h1> is "${h1}"`);
        assert((await page.getByText('BC-MLM-001').count()) >= 1, 'order BC-MLM-001 is not listed');
        assert((await page.locator('svg[role="img"] title').count()) >= 1, 'the chart has no accessible title');
        await checkA11y(page);
        watch.assertClean('editor financing page');
      });

      await step('the simulator locates a malformed amount by its JSON pointer', async () => {
        await page.getByRole('link', { name: 'Simuler ou déposer une demande' }).click();
        await page.waitForURL((u) => u.pathname === '/financement/simulateur');
        const area = page.locator('#document');
        const doc = JSON.parse(await area.inputValue());
        doc.order.amount_ht = '1000.5';
        await area.fill(JSON.stringify(doc, null, 2));
        await Promise.all([
          page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
          page.getByRole('button', { name: 'Simuler' }).click(),
        ]);
        await page.waitForLoadState('load');
        assert((await page.getByText('/order/amount_ht').count()) >= 1, 'no issue at /order/amount_ht');
        await checkA11y(page);
        watch.assertClean('simulator with results');
      });

      await step('the ASP agent validates a clean request from its queue', async () => {
        await Promise.all([
          page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
          page.getByRole('button', { name: 'Se déconnecter' }).click(),
        ]);
        await login(page, base, DEMO_PASSWORD, 'agent@asp.demo');
        await page.goto(`${base}/asp/financement`);
        const h1 = await h1Text(page);
        assert(h1.includes('File des demandes'), `queue <h1> is "${h1}"`);
        await checkA11y(page);
        await page.locator('a[href="/asp/financement/demandes/ed-monlps/DA-MLM-001"]').click();
        await page.waitForURL((u) => u.pathname === '/asp/financement/demandes/ed-monlps/DA-MLM-001');
        await checkA11y(page);
        await Promise.all([
          page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
          page.getByRole('button', { name: 'Valider la demande' }).click(),
        ]);
        await page.waitForLoadState('load');
        assert((await page.getByText('Décision enregistrée : validée').count()) >= 1, 'no confirmation of the validation');
        await checkA11y(page);
        await page.goto(`${base}/asp/financement/base`);
        await checkA11y(page);
        watch.assertClean('ASP financing pages');
      });

      await step('the ANS validates a pilot site\'s PV (PRE-03)', async () => {
        await Promise.all([
          page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
          page.getByRole('button', { name: 'Se déconnecter' }).click(),
        ]);
        await login(page, base, DEMO_PASSWORD, 'instructeur@ans.demo');
        await page.getByRole('link', { name: 'PV pilotes' }).first().click();
        await page.waitForURL((u) => u.pathname === '/ans/pv-pilotes');
        await checkA11y(page);
        await Promise.all([
          page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
          page.getByRole('button', { name: 'Valider le PV de la commande BC-MLM-001' }).click(),
        ]);
        await page.waitForLoadState('load');
        assert((await page.getByText('PV pilote de la commande BC-MLM-001 validé').count()) >= 1, 'no confirmation of the PV validation');
        await checkA11y(page);
        watch.assertClean('ANS pilot PV page');
      });
    } finally {
      await context.close();
    }
  });
}

/** The page's error messages (role="alert"), to explain a missing confirmation. */
async function alertText(page) {
  const alerts = await page.getByRole('alert').allInnerTexts();
  return alerts.length ? `; the page says: ${alerts.map((a) => a.trim()).join(' / ')}` : '';
}

/** Submits the form holding `locator` (a button) and waits for the next page. */
async function submit(page, button) {
  await Promise.all([
    page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
    button.click(),
  ]);
  await page.waitForLoadState('load');
}

async function logout(page) {
  await submit(page, page.getByRole('button', { name: 'Se déconnecter' }));
}

async function instruction(browser, base) {
  await scenario('instruction: complement requested, answered, validated; queue and attestation check (WCAG 2.1 AA)', async (step) => {
    const context = await newContext(browser, { bypassCSP: true });
    try {
      const page = await context.newPage();
      const watch = watchPage(page, base);
      const url = `${base}/candidatures/${CANDIDATURE}/instruction`;

      await step('the editor declares its dossier complete from the instruction page', async () => {
        await login(page, base, DEMO_PASSWORD);
        await page.goto(`${base}/candidatures/${CANDIDATURE}`);
        await page.getByRole('link', { name: 'Instruction et échanges avec l\'ANS' }).click();
        await page.waitForURL((u) => u.pathname === `/candidatures/${CANDIDATURE}/instruction`);
        assert((await page.getByText('Fin des échanges (D3)').count()) >= 1, 'the D3 clock is not shown');
        await checkA11y(page);
        await submit(page, page.getByRole('button', { name: 'Déclarer le dossier complet' }));
        assert((await page.getByText('Dossier complet déposé').count()) >= 1, 'the state did not change');
        await logout(page);
      });

      let item = null;
      await step('the instructeur finds it in the queue, opens the instruction and asks for a complement', async () => {
        await login(page, base, DEMO_PASSWORD, 'instructeur@ans.demo');
        await page.getByRole('link', { name: 'Instruction', exact: true }).first().click();
        await page.waitForURL((u) => u.pathname === '/instruction');
        await checkA11y(page);
        await page.goto(url);
        await submit(page, page.getByRole('button', { name: 'Ouvrir l\'instruction' }));
        assert((await page.getByText('En instruction').count()) >= 1, 'the instruction did not open');
        // An item without files: the proof-files scenario deposited a file on another one, which
        // cannot be decided until the antivirus says it is clean (no clamd: it stays pending).
        const form = page
          .locator('article.card', { hasText: 'Aucun fichier déposé.' })
          .locator('form[action$="/instruction/decision"]')
          .first();
        assert((await form.count()) === 1, 'no proof without files awaits a decision');
        item = await form.locator('input[name="requirement"]').inputValue();
        await form.locator('input[value="request_complement"]').check();
        await form.locator('textarea[name="motivation"]').fill('La capture ne montre pas la version du logiciel.');
        await submit(page, form.getByRole('button', { name: 'Enregistrer la décision' }));
        assert((await page.getByText('Complément demandé.').count()) >= 1, `no confirmation of the request${await alertText(page)}`);
        await checkA11y(page);
        await logout(page);
      });

      await step('the editor reads the motivation and answers', async () => {
        await login(page, base, DEMO_PASSWORD);
        await page.goto(url);
        assert((await page.getByText('La capture ne montre pas la version du logiciel.').count()) >= 1, 'the motivation is not shown to the editor');
        const form = page.locator('form[action$="/instruction/reponse"]', { has: page.locator(`input[value="${item}"]`) }).first();
        await form.locator('textarea[name="message"]').fill('Nouvelle capture avec la version 5.3 visible.');
        await submit(page, form.getByRole('button', { name: 'Envoyer la réponse' }));
        assert((await page.getByText('réponse envoyée à l\'ANS').count()) >= 1, 'no confirmation of the answer');
        await page.locator('#msg-body').fill('Bonjour, la capture a été remplacée.');
        await submit(page, page.getByRole('button', { name: 'Envoyer', exact: true }));
        assert((await page.getByText('Message envoyé.').count()) >= 1, 'no confirmation of the message');
        await checkA11y(page);
        await logout(page);
      });

      await step('the instructeur validates the answered item and sees the thread', async () => {
        await login(page, base, DEMO_PASSWORD, 'instructeur@ans.demo');
        await page.goto(url);
        assert((await page.getByText('Bonjour, la capture a été remplacée.').count()) >= 1, 'the editor\'s message is not shown');
        const form = page.locator('form[action$="/instruction/decision"]', { has: page.locator(`input[value="${item}"]`) }).first();
        await form.locator('input[value="validate"]').check();
        await form.locator('textarea[name="motivation"]').fill('Conforme.');
        await submit(page, form.getByRole('button', { name: 'Enregistrer la décision' }));
        assert((await page.getByText('Preuve validée.').count()) >= 1, 'no confirmation of the validation');
        await checkA11y(page);
        watch.assertClean('instruction pages');
        await logout(page);
      });

      await step('anyone checks an attestation code on the public register', async () => {
        await page.goto(`${base}/registre`);
        await page.getByRole('link', { name: 'Vérifier l\'authenticité d\'une attestation de référencement' }).click();
        await page.waitForURL((u) => u.pathname === '/registre/attestations');
        await checkA11y(page);
        await page.locator('#code').fill('0000-0000-0000-0000');
        await submit(page, page.getByRole('button', { name: 'Vérifier le code' }));
        assert((await page.getByText('Attestation inconnue').count()) >= 1, 'an unknown code is not reported');
        await checkA11y(page);
      });
    } finally {
      await context.close();
    }
  });
}

/** A copy of `bytes` with one byte changed, away from the verification code the PDF carries
 *  (in its /Info dictionary and its XMP packet), so that the copy still reads as ours. */
function alteredCopy(bytes) {
  const copy = Buffer.from(bytes);
  const marks = [];
  for (let i = copy.indexOf('segur-verification:'); i !== -1; i = copy.indexOf('segur-verification:', i + 1)) marks.push(i);
  const clear = (at) => marks.every((m) => at < m - 64 || at > m + 128);
  let at = Math.floor(copy.length / 2);
  while (!clear(at)) at = (at + 997) % copy.length;
  copy[at] ^= 0x01;
  return copy;
}

async function referral(browser, base) {
  await scenario('referral: the instructeur validates the last proofs, the référent refers, the attestation verifies (WCAG 2.1 AA)', async (step) => {
    const context = await newContext(browser, { bypassCSP: true });
    try {
      const page = await context.newPage();
      const watch = watchPage(page, base);
      const url = `${base}/candidatures/${REFERRAL_CANDIDATURE}/instruction`;
      const decisionForms = () => page.locator('form[action$="/instruction/decision"]');

      await step(`the instructeur validates the ${REFERRAL_ITEMS_TO_DECIDE} proofs awaiting a decision, with a motivation`, async () => {
        await login(page, base, DEMO_PASSWORD, 'instructeur@ans.demo');
        await page.goto(url);
        assert(pathOf(page) === `/candidatures/${REFERRAL_CANDIDATURE}/instruction`, `instruction page answered ${page.url()}`);
        assert((await page.getByText('En instruction').count()) >= 1, 'the candidature is not in instruction');
        assert(!(await page.getByRole('button', { name: 'Référencer et délivrer l\'attestation' }).count()), 'an instructeur is offered the referral');
        const pending = await decisionForms().count();
        assert(pending === REFERRAL_ITEMS_TO_DECIDE, `${pending} proof(s) await a decision, expected ${REFERRAL_ITEMS_TO_DECIDE}`);
        await checkA11y(page);
        for (let n = 0; n < REFERRAL_ITEMS_TO_DECIDE; n += 1) {
          const form = decisionForms().first();
          const item = await form.locator('input[name="requirement"]').inputValue();
          await form.locator('input[value="validate"]').check();
          await form.locator('textarea[name="motivation"]').fill(`Preuve ${item} conforme : la capture montre la fonction attendue.`);
          await submit(page, form.getByRole('button', { name: 'Enregistrer la décision' }));
          assert((await page.getByText('Preuve validée.').count()) >= 1, `no confirmation of the validation of ${item}${await alertText(page)}`);
          assert((await decisionForms().count()) === REFERRAL_ITEMS_TO_DECIDE - n - 1, `${item} still awaits a decision`);
        }
        assert(
          (await page.getByText('Toutes les preuves à déposer sont validées').count()) >= 1,
          'the page does not say the candidature can now be referred (LIF-08)',
        );
        await checkA11y(page);
        watch.assertClean('instruction page of the instructeur');
        await logout(page);
      });

      let nru = null;
      let code = null;
      let pdfHref = null;
      await step('the référent signs in with a second factor and refers the candidature; the NRU is shown', async () => {
        await login(page, base, DEMO_PASSWORD, 'referent@ans.demo');
        await page.goto(url);
        const refer = page.getByRole('button', { name: 'Référencer et délivrer l\'attestation' });
        assert((await refer.count()) === 1, 'no referral form for the référent');
        await checkA11y(page);
        await page.locator('#ref-note').fill('Référencement après validation des deux dernières preuves.');
        await submit(page, refer);
        const notice = page.getByText('Candidature référencée : NRU');
        assert((await notice.count()) >= 1, `no confirmation of the referral${await alertText(page)}`);
        const m = (await notice.first().innerText()).match(/NRU ([A-Z0-9-]+)/);
        assert(m, 'the confirmation does not give the NRU');
        nru = m[1];
        const decision = page.locator('#decision');
        assert((await decision.getByText(`Référencée sous le NRU ${nru}`).count()) >= 1, `the decision section does not show ${nru}`);
        code = (await decision.locator('code').first().innerText()).trim();
        assert(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/.test(code), `unexpected verification code "${code}"`);
        pdfHref = await decision.getByRole('link', { name: 'Télécharger l\'attestation de référencement (PDF)' }).getAttribute('href');
        assert(pdfHref, 'no link to the attestation PDF');
        await checkA11y(page);
        watch.assertClean('instruction page of the référent');
      });

      let pdf = null;
      await step('the attestation PDF is downloaded', async () => {
        const res = await context.request.get(new URL(pdfHref, base).href);
        assert(res.status() === 200, `GET ${pdfHref} answered ${res.status()}`);
        const type = res.headers()['content-type'] ?? '';
        assert(type.startsWith('application/pdf'), `the attestation is served as "${type}"`);
        pdf = await res.body();
        assert(pdf.subarray(0, 4).toString('latin1') === '%PDF', `the attestation does not start with %PDF: ${JSON.stringify(pdf.subarray(0, 8).toString('latin1'))}`);
        await logout(page);
      });

      await step('anyone checks the attestation by its code on /registre/attestations: valid', async () => {
        await page.goto(`${base}/registre/attestations`);
        await checkA11y(page);
        await page.locator('#code').fill(code);
        await submit(page, page.getByRole('button', { name: 'Vérifier le code' }));
        assert(pathOf(page) === `/registre/attestations/${code}`, `checking the code led to ${page.url()}`);
        assert((await page.getByText('Attestation valide').count()) >= 1, 'the code is not reported valid');
        assert((await page.getByText(nru, { exact: true }).count()) >= 1, `the check does not show ${nru}`);
        assert((await page.getByText('Medi Solidarités').count()) >= 1, 'the check does not show the commercial name');
        await checkA11y(page);
      });

      await step('the downloaded PDF, uploaded in the by-file form, is valid', async () => {
        await page.goto(`${base}/registre/attestations`);
        await page.locator('#file').setInputFiles({ name: 'attestation.pdf', mimeType: 'application/pdf', buffer: pdf });
        await submit(page, page.getByRole('button', { name: 'Vérifier le fichier' }));
        assert((await page.getByText('Attestation valide').count()) >= 1, 'the issued PDF is not reported valid');
        assert((await page.getByText(nru, { exact: true }).count()) >= 1, `the check does not show ${nru}`);
        const sha = createHash('sha256').update(pdf).digest('hex');
        assert((await page.getByText(sha).count()) >= 1, 'the check does not show the PDF\'s SHA-256');
        await checkA11y(page);
      });

      await step('a copy with one byte changed is reported as modified', async () => {
        await page.goto(`${base}/registre/attestations`);
        await page.locator('#file').setInputFiles({ name: 'attestation-modifiee.pdf', mimeType: 'application/pdf', buffer: alteredCopy(pdf) });
        await submit(page, page.getByRole('button', { name: 'Vérifier le fichier' }));
        assert((await page.getByText('Document modifié').count()) >= 1, 'a modified PDF is not reported as modified');
        assert((await page.getByText('Attestation valide').count()) === 0, 'a modified PDF is reported valid');
        await checkA11y(page);
        watch.assertClean('attestation check pages');
      });

      await step('the public register lists the new NRU', async () => {
        await page.goto(`${base}/registre`);
        assert((await page.getByText(nru).count()) >= 1, `the register does not list ${nru}`);
        await checkA11y(page);
        watch.assertClean('register page');
      });
    } finally {
      await context.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// E-mails in the SMTP sink

/** Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) of an unfolded header. */
function decodeWords(value) {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_, charset, enc, text) => {
      const bytes = enc.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (__, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return new TextDecoder(charset.toLowerCase()).decode(bytes);
    });
}

/** The messages this run's server sent, as { to, subject }, read from the sink's Maildir. */
function sentMails() {
  const dir = join(process.env.SEGUR_TEST_MAILDIR, 'new');
  const out = [];
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const raw = readFileSync(join(dir, name), 'utf8');
    const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
    const header = (h) => (head.match(new RegExp(`^${h}:\\s*(.*)$`, 'mi')) ?? [])[1] ?? '';
    if (!header('From').includes(MAIL_FROM)) continue;
    out.push({ to: header('X-RcptTo').trim(), subject: decodeWords(header('Subject')) });
  }
  return out;
}

async function waitForMail(predicate, what) {
  const deadline = Date.now() + 14_000;
  for (;;) {
    const mails = sentMails();
    if (mails.some(predicate)) return;
    if (Date.now() > deadline) {
      throw new Error(`no e-mail ${what} in the SMTP sink within 14 s; received: ${JSON.stringify(mails)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function mails(browser, base) {
  if (!process.env.SEGUR_TEST_SMTP_URL || !process.env.SEGUR_TEST_MAILDIR) {
    throw new Error('SEGUR_TEST_SMTP_URL / SEGUR_TEST_MAILDIR not set: start the SMTP sink with eval "$(scripts/peers/smtp.sh)" (scripts/test.sh does)');
  }
  await scenario('notifications: the e-mails of the journey arrive in the SMTP sink; the in-app list (WCAG 2.1 AA)', async (step) => {
    await step('the editor is e-mailed the complement request', async () => {
      await waitForMail((m) => m.to === DEMO_LOGIN && m.subject.includes('Complément demandé') && m.subject.includes(CANDIDATURE), 'of the complement request to the editor');
    });
    await step('the ANS is e-mailed the editor\'s answer', async () => {
      await waitForMail((m) => m.to.endsWith('@ans.demo') && m.subject.includes('Réponse à une demande de complément') && m.subject.includes(CANDIDATURE), 'of the answer to the ANS');
    });
    await step('the referred editor is e-mailed the decision', async () => {
      await waitForMail((m) => m.to === 'mandataire@medi.demo' && m.subject.includes('Candidature référencée') && m.subject.includes(REFERRAL_CANDIDATURE), 'of the referral to Medi');
    });
    const context = await newContext(browser, { bypassCSP: true });
    try {
      const page = await context.newPage();
      await step('the editor reads it in the app and marks it read, without JavaScript needed', async () => {
        await login(page, base, DEMO_PASSWORD);
        await page.getByRole('link', { name: 'Notifications', exact: true }).click();
        await page.waitForURL((u) => u.pathname === '/notifications');
        assert((await page.getByText('La capture ne montre pas la version du logiciel.').count()) >= 1, 'the complement request is not listed');
        await checkA11y(page);
        const before = await page.locator('li.unread').count();
        assert(before >= 1, 'no unread notification');
        await submit(page, page.getByRole('button', { name: /^Marquer comme lue/ }).first());
        assert((await page.getByText('Notification marquée comme lue.').count()) === 1, 'no confirmation');
        assert((await page.locator('li.unread').count()) === before - 1, 'the notification is still unread');
        await page.locator('#mode-daily_digest').check();
        await page.locator('#lang-en').check();
        await submit(page, page.getByRole('button', { name: 'Enregistrer les préférences' }));
        assert((await page.getByText('Préférences enregistrées.').count()) === 1, 'preferences not saved');
        assert(await page.locator('#mode-daily_digest').isChecked(), 'the digest choice is not kept');
        await checkA11y(page);
        await logout(page);
      });
    } finally {
      await context.close();
    }
  });
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'segur-e2e-'));
  let server;
  let browser;
  const onSignal = async (sig) => {
    console.error(`\nbrowser: interrupted by ${sig}`);
    await stopServer(server?.child);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    server = await startServer(dataDir);
    console.log(`server ready at ${server.url}`);
    browser = await chromium.launch({
      executablePath: findChromium(),
      headless: process.env.SEGUR_E2E_HEADED !== '1',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    await journeyWithJavaScript(browser, server.url);
    await journeyWithoutJavaScript(browser, server.url);
    await signInRoundTrip(browser, server.url);
    await adminImport(browser, server.url);
    await strictCsp(browser, server.url);
    await financing(browser, server.url);
    await accountSecurity(browser, server.url);
    await proofFiles(browser, server.url);
    await instruction(browser, server.url);
    await referral(browser, server.url);
    await mails(browser, server.url);
    if (server.child.exitCode !== null) {
      failed += 1;
      failures.push(`server exited during the test (code ${server.child.exitCode})`);
    }
  } catch (err) {
    failed += 1;
    failures.push(`setup: ${err?.message ?? err}`);
    console.error(`\nbrowser: setup failed: ${err?.message ?? err}`);
  } finally {
    await browser?.close().catch(() => {});
    await stopServer(server?.child);
    await rm(dataDir, { recursive: true, force: true });
  }

  if (failed > 0) {
    // Details were printed where each failure happened; recap the titles only.
    console.log('\nFailures:');
    for (const f of failures) console.log(`- ${f.split('\n')[0]}`);
    if (server?.log?.length) {
      console.log(`\n--- server output (last ${Math.min(40, server.log.length)} lines) ---`);
      console.log(server.log.slice(-40).join('\n'));
    }
  }
  console.log(`\nbrowser: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

await main();
