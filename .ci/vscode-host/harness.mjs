// Offline VS Code test host: code-server (VS Code 1.100.3 workbench + Node extension host)
// driven by Debian's chromium through playwright-core. See README.md.
//
// API
//   startCodeServer({ workDir?, env?, timeoutMs?, workspaceTrust? }) -> { port, origin, url, workDir, logFile, stop() }
//   workbenchUrl(server, { folder?, extensionDevelopmentPath?, extensionTestsPath? }) -> string
//   launchBrowser({ userDataDir, headless? })           -> playwright BrowserContext
//   openWorkbench(context, server, urlOpts, { timeoutMs? }) -> Page (workbench visible)
//   runCommand(page, title)                             -> runs a command from the palette
//   waitForNotification(page, text)                     -> Locator of the settled toast
//   runExtensionHostTests({ workspaceFolder, extensionDevelopmentPath, extensionTestsPath,
//                           env?, workDir?, timeoutMs?, stream?, verbose?, workspaceTrust? }) -> { exitCode, log, workDir }
// Paths may be relative (resolved against cwd); a missing workDir becomes a fresh dir in os.tmpdir().
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CODE_SERVER_ENTRY = path.join(HERE, 'node_modules/code-server/out/node/entry.js');
export const CHROMIUM_PATH = process.env.VSCODE_HOST_CHROMIUM || '/usr/bin/chromium';

// Keeps the workbench from opening welcome pages, trust prompts or talking to the network.
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (tiny race between close and code-server's bind; fine for CI). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Creates `dir` (recursively) and returns it. */
function mkdirp(dir) {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A fresh work dir under the OS temp dir unless one is given. */
export function makeWorkDir(workDir) {
  if (workDir) return mkdirp(path.resolve(workDir));
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-host-'));
}

/**
 * Starts code-server on a free port with all its state under `workDir`.
 * `env` is merged over process.env; the extension host inherits it.
 * code-server's own output goes to `<workDir>/code-server.log`.
 */
export async function startCodeServer({ workDir, env = {}, timeoutMs = 30_000, workspaceTrust = false } = {}) {
  if (!fs.existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(`code-server is not installed: run bash ${path.join(HERE, 'install.sh')}`);
  }
  workDir = makeWorkDir(workDir);
  // Unix socket paths are cut at 107 bytes without an error; the longest one code-server makes
  // is <workDir>/tmp/vscode-ipc-<uuid>.sock (workDir + 57).
  if (workDir.length > 50) {
    console.warn(`[vscode-host] work dir is ${workDir.length} chars; over 50, socket paths get truncated`);
  }
  const userDir = mkdirp(path.join(workDir, 'user'));
  mkdirp(path.join(userDir, 'User'));
  // With workspaceTrust, folders open untrusted (restricted mode) without a prompt.
  const settings = workspaceTrust
    ? { ...QUIET_SETTINGS, 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false }
    : QUIET_SETTINGS;
  fs.writeFileSync(path.join(userDir, 'User/settings.json'), JSON.stringify(settings, null, 2));
  const port = await freePort();
  // Without private XDG dirs and TMPDIR code-server writes into ~/.config, ~/.local/share, /tmp.
  const childEnv = {
    ...process.env,
    XDG_CONFIG_HOME: mkdirp(path.join(workDir, 'xdg/config')),
    XDG_DATA_HOME: mkdirp(path.join(workDir, 'xdg/data')),
    XDG_CACHE_HOME: mkdirp(path.join(workDir, 'xdg/cache')),
    XDG_STATE_HOME: mkdirp(path.join(workDir, 'xdg/state')),
    TMPDIR: mkdirp(path.join(workDir, 'tmp')),
    // An empty gallery (no serviceUrl) stops the workbench querying open-vsx.org, which
    // fails offline with getaddrinfo errors in the log.
    EXTENSIONS_GALLERY: '{}',
    ...env,
  };
  delete childEnv.PORT; // code-server lets $PORT override --bind-addr
  const logFile = path.join(workDir, 'code-server.log');
  const logFd = fs.openSync(logFile, 'a');
  const args = [
    CODE_SERVER_ENTRY,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--config', path.join(workDir, 'code-server.yaml'),
    '--disable-telemetry',
    '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', userDir,
    '--extensions-dir', mkdirp(path.join(workDir, 'extensions')),
  ];
  // detached: Node calls setsid(2), so code-server, its watchdog child and every extension
  // host it forks share one new process group that stop() can kill at once (extension
  // hosts otherwise outlive the browser and the server).
  const child = spawn(process.execPath, args, {
    cwd: workDir, env: childEnv, detached: true, stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stopped = false;
  const killGroup = (sig) => { try { process.kill(-child.pid, sig); } catch { /* already gone */ } };
  // Last resort if the caller crashes without calling stop().
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    killGroup('SIGTERM');
    const t = setTimeout(() => killGroup('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
    killGroup('SIGKILL'); // stragglers (extension hosts) that ignored SIGTERM
  };

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let early = null;
  exited.then((e) => { early = e; });
  for (;;) {
    if (early) {
      throw new Error(`code-server exited (${JSON.stringify(early)}) before /healthz answered; see ${logFile}`);
    }
    try {
      const res = await fetch(`${origin}/healthz`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within ${timeoutMs} ms; see ${logFile}`);
    }
    await sleep(200);
  }
  return { port, origin, url: `${origin}/`, workDir, logFile, pid: child.pid, stop };
}

/** vscode-remote URI for an absolute local path; the authority must be the page's host:port. */
function remoteUri(server, p) {
  const abs = path.resolve(p).split(path.sep).map(encodeURIComponent).join('/');
  return `vscode-remote://127.0.0.1:${server.port}${abs}`;
}

/**
 * Workbench URL opening `folder`, with extensions under development and an optional test
 * module passed through the `payload` query (code-server has no --extensionDevelopmentPath).
 */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath } = {}) {
  const payload = [['skipWelcome', 'true']];
  for (const p of [extensionDevelopmentPath].flat().filter(Boolean)) {
    payload.push(['extensionDevelopmentPath', remoteUri(server, p)]);
  }
  if (extensionTestsPath) payload.push(['extensionTestsPath', remoteUri(server, extensionTestsPath)]);
  const q = new URLSearchParams();
  if (folder) q.set('folder', path.resolve(folder));
  q.set('payload', JSON.stringify(payload));
  return `${server.origin}/?${q}`;
}

/**
 * Debian's chromium with a persistent profile in `userDataDir` (launch() refuses a
 * --user-data-dir argument, so this uses launchPersistentContext).
 */
export async function launchBrowser({ userDataDir, headless = true, viewport = { width: 1280, height: 800 } } = {}) {
  userDataDir = makeWorkDir(userDataDir);
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless,
    viewport,
    // Otherwise chromium's crashpad writes ~/.config/chromium/Crash Reports and GTK ~/.cache/dconf.
    env: {
      ...process.env,
      XDG_CONFIG_HOME: mkdirp(path.join(userDataDir, '.xdg/config')),
      XDG_CACHE_HOME: mkdirp(path.join(userDataDir, '.xdg/cache')),
    },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** Opens the workbench in the context's first page and waits until it is rendered. */
export async function openWorkbench(context, server, urlOpts = {}, { timeoutMs = 60_000 } = {}) {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(workbenchUrl(server, urlOpts), { timeout: timeoutMs });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  // The status bar fills in once the workbench has restored; the palette works from then on.
  await page.locator('.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
  return page;
}

/**
 * Runs a command by its palette title (as shown, e.g. "Probe: Say Hello"). Retries until
 * `timeoutMs`: right after start-up the palette can open before the extension host has
 * registered the extension's contributions and then shows "No matching commands".
 */
export async function runCommand(page, title, { timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  for (;;) {
    // Keyboard focus must be inside the workbench before F1 reaches it.
    await page.locator('.monaco-workbench .part.editor').click();
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: Math.max(1, deadline - Date.now()) });
    await input.fill(`>${title}`);
    try {
      // Enter before the list has filtered would run whatever was highlighted before.
      await row.waitFor({ state: 'visible', timeout: 2_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`command "${title}" not in the palette: ${err.message}`);
      await page.keyboard.press('Escape');
      await sleep(500);
    }
  }
}

/**
 * Waits for a notification toast containing `text` to finish sliding in (screenshots taken
 * earlier catch it half-drawn) and returns its locator.
 */
export async function waitForNotification(page, text, { timeoutMs = 15_000 } = {}) {
  const toast = page.locator('.notifications-toasts .notification-toast.notification-fade-in-done', { hasText: text });
  await toast.first().waitFor({ state: 'visible', timeout: timeoutMs });
  return toast.first();
}

// The workbench's own start-up info lines, which arrive on the same channel as the suite's
// console output; kept in `log`, echoed only when verbose.
const WORKBENCH_CHATTER = new RegExp([
  'Resolving connection token', 'Resolved connection token', 'Creating a socket',
  '\\[Service Worker\\]', 'Ignoring fetching additional builtin', 'Updating additional builtin',
  'ChatSessionStore:',
].map((p) => `^${p}`).join('|'));

/** codeAutomationLog's args are console.log's arguments: mocha passes '%s %d' formats. */
function formatLogArgs(args) {
  return util.format(...(Array.isArray(args) ? args : [args]));
}

/**
 * Runs an extension test suite (a module exporting `run(): Promise<void>`) in the extension
 * host: starts code-server, opens the workbench with the payload, streams the host's log to
 * `stream` and resolves with the exit code the workbench reports (0 pass, 1 when run()
 * rejects, 124 on timeout). Screenshot `<workDir>/failure.png` when not 0. Always cleans up.
 * `log` holds every line; `stream` (null for silence) skips workbench chatter unless verbose.
 */
export async function runExtensionHostTests({
  workspaceFolder, extensionDevelopmentPath, extensionTestsPath, env = {}, workDir,
  timeoutMs = 120_000, stream = process.stdout, verbose = !!process.env.VSCODE_HOST_VERBOSE,
  workspaceTrust = false,
} = {}) {
  workDir = makeWorkDir(workDir);
  const log = [];
  const emit = (line, { echo = true } = {}) => {
    log.push(line);
    if (echo) stream?.write(line.endsWith('\n') ? line : `${line}\n`);
  };
  let server, context, timer;
  try {
    server = await startCodeServer({ workDir, env, workspaceTrust });
    context = await launchBrowser({ userDataDir: path.join(workDir, 'browser') });
    let onExit;
    const exitCode = new Promise((resolve) => { onExit = resolve; });
    // Must exist before the workbench loads: it looks for them on `window` once.
    await context.exposeFunction('codeAutomationLog', (type, args) => {
      const text = formatLogArgs(args);
      const line = type === 'error' || type === 'warn' ? `[${type}] ${text}` : text;
      emit(line, { echo: verbose || !WORKBENCH_CHATTER.test(text) });
    });
    await context.exposeFunction('codeAutomationExit', (code) => onExit(Number(code)));
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => emit(`[pageerror] ${err.message}`));
    await page.goto(workbenchUrl(server, {
      folder: workspaceFolder, extensionDevelopmentPath, extensionTestsPath,
    }));
    let code = await Promise.race([exitCode, timeout]);
    if (code === 'timeout') {
      emit(`[vscode-host] timed out after ${timeoutMs} ms waiting for codeAutomationExit`);
      code = 124;
    }
    if (code !== 0) {
      const shot = path.join(workDir, 'failure.png');
      await page.screenshot({ path: shot }).then(() => emit(`[vscode-host] screenshot: ${shot}`), () => {});
      emit(`[vscode-host] code-server log: ${server.logFile}`);
    }
    return { exitCode: code, log, workDir };
  } finally {
    clearTimeout(timer);
    await context?.close().catch(() => {});
    await server?.stop();
  }
}
