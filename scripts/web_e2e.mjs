// Drives the web page in headless Chromium through the whole flow against a running
// stack: sign up, log in, paste a non-ASCII article, follow the job to done, check the
// highlighted sentences against the API's byte offsets, upload a Markdown file, paste
// HTML that must stay inert, page through the documents and delete one.
//
// Usage: node scripts/web_e2e.mjs BASE_URL
// scripts/web-e2e.sh installs Chromium and playwright-core and runs this file; it sets
// PLAYWRIGHT_MODULES to the node_modules folder and CHROMIUM to the browser binary.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { randomUUID } from "node:crypto";

const require = createRequire(path.join(process.env.PLAYWRIGHT_MODULES, "noop.js"));
const { chromium } = require("playwright-core");

const base = process.argv[2];
if (!base) {
  console.error("usage: node scripts/web_e2e.mjs BASE_URL");
  process.exit(2);
}
const api = `${base}/api/v1`;
const STEP_TIMEOUT_MS = 20_000;
const PASSWORD = "a long passphrase for the web test";

// Non-ASCII in every sentence: 2-byte Latin letters, 3-byte CJK and punctuation, and
// 4-byte emoji (two UTF-16 code units each), so byte offsets and string indexes differ.
const ARTICLE = [
  "Zürich’s city council approved a plan on Tuesday to turn three car lanes into cycle paths — the largest change to the old town’s streets in decades. 🚲",
  "The mayor, Corine Mauch, said the project would cost about 12 million francs and take two years; work begins in März.",
  "Shop owners on the Bahnhofstraße worried that deliveries would become harder, but the council promised loading zones every 200 metres.",
  "A survey by the ETH found that 61 % of residents support fewer cars in the centre, while 27 % oppose the plan — 東京 and København were cited as models.",
  "Cycling groups welcomed the decision and called it “a first step”, adding that the lanes must be physically separated from traffic. 🚦",
  "Critics in the cantonal parliament argued that the city had not consulted the surrounding communes, whose commuters rely on the roads.",
  "The council replied that tram and S-Bahn capacity would grow by 15 % over the same period, so commuters would gain new options.",
  "Similar projects in Paris and Barcelona cut car traffic by a third within five years, according to a study the council cited.",
  "The first section, along the Limmatquai, is due to open next spring, and the city will publish traffic counts every quarter.",
  "Residents can comment on the detailed plans until the end of the month at the city’s offices or online. 📝",
].join(" ");

const MARKDOWN = `# Notes on the river clean-up

The volunteers removed **two tonnes** of waste from the river bank on Saturday.

- Most of it was plastic packaging, according to the organisers.
- Several bicycles and a shopping trolley were pulled from the water.

The city said it would install *twelve new bins* along the path before summer.
Next year the group hopes to double the number of volunteers.
Schools in the district have already asked to take part.
`;

// Markup that would run or show an image if the page ever inserted user text as HTML.
const HOSTILE_TITLE = "<img src=x onerror=\"window.injected = 'title'\">Council minutes";
const HTML = `<h1>Council minutes</h1>
<p>The council met on <b>Monday</b> to discuss the new library.</p>
<script>window.injected = "text";</script>
<p>Members agreed to open the library on Sundays from next month.</p>
<p>The budget for books will rise by ten percent, paid from the reserve fund.</p>
<img src="x" onerror="window.injected = 'image'">
<p>A public meeting about the building's opening hours is planned for June.</p>
`;

const failures = [];

function log(message) {
  console.log(`[web-e2e] ${message}`);
}

async function apiCall(method, route, token, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  const response = await fetch(api + route, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function apiLogin(email) {
  const response = await fetch(`${api}/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(response.status, 200, "login over the API");
  return (await response.json()).access_token;
}

/** Records each status the document view shows, in order, without repeats. */
async function watchStatuses(page) {
  await page.evaluate(() => {
    const view = document.getElementById("document-view");
    window.seenStatuses = [];
    const record = () => {
      const status = view.dataset.status;
      if (status && window.seenStatuses.at(-1) !== status) {
        window.seenStatuses.push(status);
      }
    };
    new MutationObserver(record).observe(view, { attributes: true, attributeFilter: ["data-status"] });
  });
}

async function waitForDone(page, docId) {
  await page.waitForFunction(
    (id) => {
      const view = document.getElementById("document-view");
      return view.dataset.docId === id && ["done", "failed"].includes(view.dataset.status);
    },
    docId,
    { timeout: 60_000 },
  );
  const status = await page.getAttribute("#document-view", "data-status");
  assert.equal(status, "done", `document ${docId} ended as ${status}: ${await page.textContent("#document-status")}`);
}

/** Checks the page's highlights against the document as the API returns it. */
async function checkHighlights(page, token, docId, { plain }) {
  const doc = (await apiCall("GET", `/docs/${docId}`, token)).body;
  const marks = await page.$$eval("#original-text mark", (nodes) => nodes.map((node) => node.textContent));
  const listed = await page.$$eval("#summary-sentences li", (nodes) => nodes.map((node) => node.textContent));
  const shownText = await page.textContent("#original-text");

  assert.equal(shownText, doc.text, "the original text is shown unchanged");
  assert.equal(marks.length, doc.summary.sentences.length, "one highlight per summary sentence");
  assert.deepEqual(listed, doc.summary.sentences.map((sentence) => sentence.text), "the summary list");
  const bytes = Buffer.from(doc.text, "utf8");
  doc.summary.sentences.forEach((sentence, index) => {
    const slice = bytes.subarray(sentence.start, sentence.end).toString("utf8");
    assert.equal(marks[index], slice, `highlight ${index + 1} is the byte range ${sentence.start}..${sentence.end}`);
    if (plain) {
      assert.equal(marks[index], sentence.text, `highlight ${index + 1} is the summary sentence`);
    }
  });
  return doc;
}

async function run(page, context) {
  const email = `web-${randomUUID().slice(0, 12)}@example.com`;
  const requests = [];
  page.on("request", (request) => requests.push(request));

  log(`opening ${base}/`);
  const response = await page.goto(`${base}/`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()["content-security-policy"], /^default-src 'self'/);
  assert.equal(await page.evaluate(() => document.activeElement.id), "login-email", "the login email has focus");

  log("checking the highlight module on non-ASCII text");
  const moduleChecks = await page.evaluate(async () => {
    const { splitByByteRanges } = await import("/app/highlight.js");
    const join = (pieces) => pieces.map((piece) => (piece.sentence === null ? piece.text : `[${piece.text}]`)).join("");
    const error = (text, ranges) => {
      try {
        splitByByteRanges(text, ranges);
        return "no error";
      } catch (caught) {
        return caught.name;
      }
    };
    return {
      ascii: join(splitByByteRanges("One. Two.", [{ start: 5, end: 9 }])),
      latin: join(splitByByteRanges("Čau. Déjà vu.", [{ start: 6, end: 16 }])),
      emoji: join(splitByByteRanges("🚲 Go. 東京 ok.", [{ start: 0, end: 8 }, { start: 9, end: 19 }])),
      unordered: join(splitByByteRanges("A. B. C.", [{ start: 6, end: 8 }, { start: 0, end: 2 }])),
      bom: splitByByteRanges("\ufeffHi.", [{ start: 3, end: 6 }])[0].text,
      insideCharacter: error("é.", [{ start: 1, end: 3 }]),
      pastTheEnd: error("Hi.", [{ start: 0, end: 4 }]),
      overlapping: error("A. B.", [{ start: 0, end: 3 }, { start: 2, end: 5 }]),
    };
  });
  assert.deepEqual(moduleChecks, {
    ascii: "One. [Two.]",
    latin: "Čau. [Déjà vu.]",
    emoji: "[🚲 Go.] [東京 ok.]",
    unordered: "[A.] B. [C.]",
    bom: "\ufeff",
    insideCharacter: "RangeError",
    pastTheEnd: "RangeError",
    overlapping: "RangeError",
  });

  log("signing up with a too short password, then a good one");
  await page.fill("#signup-email", email);
  await page.fill("#signup-password", "short");
  await page.press("#signup-password", "Enter");
  await page.waitForSelector("#signup-password-error:not(:empty)", { timeout: STEP_TIMEOUT_MS });
  assert.match(await page.textContent("#signup-password-error"), /^The password must be at least 8 characters/);
  assert.equal(await page.getAttribute("#signup-password", "aria-invalid"), "true");
  await page.fill("#signup-password", PASSWORD);
  await page.press("#signup-password", "Enter");
  await page.waitForSelector("#notice:has-text('Account created')", { timeout: STEP_TIMEOUT_MS });
  assert.equal(await page.inputValue("#login-email"), email, "the login form has the new email");

  log("logging in with the keyboard");
  assert.equal(await page.evaluate(() => document.activeElement.id), "login-password", "the password has focus");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#app-view", { state: "visible", timeout: STEP_TIMEOUT_MS });
  assert.equal(await page.textContent("#session-email"), email);
  const token = await apiLogin(email);

  log("showing a validation error from the API next to its field");
  await page.fill("#text", "A short text. With two sentences.");
  await page.selectOption("#length-kind", "words");
  await page.fill("#length-value", "0");
  await page.click("#submit-form button[type=submit]");
  await page.waitForSelector("#length-error:not(:empty)", { timeout: STEP_TIMEOUT_MS });
  assert.match(await page.textContent("#length-error"), /^The number of words must be a whole number from 1 to 5000/);

  log("submitting the pasted article; the first poll gets 401 to force a token refresh");
  let forced401 = false;
  await page.route("**/api/v1/docs/*", async (route) => {
    if (!forced401 && route.request().method() === "GET") {
      forced401 = true;
      await route.fulfill({
        status: 401,
        contentType: "application/problem+json",
        body: JSON.stringify({ status: 401, title: "Unauthorized", detail: "The access token has expired." }),
      });
      return;
    }
    await route.continue();
  });
  await page.fill("#title", "Zürich cycle lanes");
  await page.fill("#text", ARTICLE);
  await page.selectOption("#length-kind", "sentences");
  await page.fill("#length-value", "3");
  await watchStatuses(page);
  const [submitResponse] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/v1/summarize")),
    page.click("#submit-form button[type=submit]"),
  ]);
  assert.equal(submitResponse.status(), 202);
  const articleId = (await submitResponse.json()).doc_id;
  await waitForDone(page, articleId);
  await page.unroute("**/api/v1/docs/*");
  assert.ok(forced401, "the page polled the document");
  assert.ok(
    requests.some((request) => request.url().endsWith("/api/v1/auth/refresh")),
    "the page refreshed its tokens after a 401",
  );
  const statuses = await page.evaluate(() => window.seenStatuses);
  assert.equal(statuses[0], "queued", `statuses seen: ${statuses}`);
  assert.equal(statuses.at(-1), "done", `statuses seen: ${statuses}`);
  assert.deepEqual(
    statuses,
    ["queued", "processing", "done"].filter((status) => statuses.includes(status)),
    "statuses move forward",
  );
  log(`statuses seen: ${statuses.join(" → ")}`);

  log("checking the highlighted sentences");
  const article = await checkHighlights(page, token, articleId, { plain: true });
  assert.equal(article.summary.sentences.length, 3);
  assert.ok(
    article.summary.sentences.some((sentence) => article.text.indexOf(sentence.text) !== sentence.start),
    "some sentence has a byte offset that differs from its string index",
  );
  const phrases = await page.$$eval("#key-phrases-list li", (nodes) => nodes.map((node) => node.textContent));
  assert.deepEqual(phrases, article.summary.key_phrases.map((phrase) => phrase.text), "key phrases");
  assert.ok(phrases.length > 0, "some key phrases");
  if (process.env.WEB_E2E_SCREENSHOT) {
    await page.screenshot({ path: process.env.WEB_E2E_SCREENSHOT, fullPage: true });
  }

  log("uploading a Markdown file with a ratio");
  await page.setInputFiles("#file", { name: "river.md", mimeType: "text/markdown", buffer: Buffer.from(MARKDOWN) });
  await page.selectOption("#length-kind", "ratio");
  await page.fill("#length-value", "0.5");
  const [upload] = await Promise.all([
    page.waitForRequest((r) => r.url().includes("/api/v1/summarize")),
    page.click("#submit-form button[type=submit]"),
  ]);
  assert.equal(upload.headers()["content-type"], "text/markdown");
  const query = new URL(upload.url()).searchParams;
  assert.equal(query.get("ratio"), "0.5");
  assert.equal(query.get("title"), "river.md");
  const uploadResponse = await upload.response();
  assert.equal(uploadResponse.status(), 202, await uploadResponse.text());
  const markdownId = (await uploadResponse.json()).doc_id;
  await waitForDone(page, markdownId);
  const markdown = await checkHighlights(page, token, markdownId, { plain: false });
  assert.equal(markdown.options.format, "markdown");
  assert.equal(markdown.text, MARKDOWN);

  log("pasting HTML, which is shown as its source and never run");
  await page.fill("#title", HOSTILE_TITLE);
  await page.fill("#text", HTML);
  await page.selectOption("#format", "html");
  await page.selectOption("#length-kind", "sentences");
  await page.fill("#length-value", "2");
  const [htmlResponse] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/v1/summarize")),
    page.click("#submit-form button[type=submit]"),
  ]);
  assert.equal(htmlResponse.status(), 202);
  const htmlId = (await htmlResponse.json()).doc_id;
  await waitForDone(page, htmlId);
  const html = await checkHighlights(page, token, htmlId, { plain: false });
  assert.equal(html.options.format, "html");
  assert.equal(await page.textContent("#document-title"), HOSTILE_TITLE);
  await page.click("#refresh-documents");
  await page.waitForSelector(`#documents-list li[data-doc-id="${htmlId}"]`);
  assert.equal(await page.locator("main img, main script, #original-text b, #original-text p").count(), 0, "no markup from the user");
  assert.equal(await page.evaluate(() => window.injected), undefined, "no user script ran");

  log("paging through the documents list");
  for (let index = 0; index < 8; index += 1) {
    const submitted = await apiCall("POST", "/summarize", token, { text: `Filler number ${index}. It is short.` });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
  }
  await page.click("#refresh-documents");
  await page.waitForFunction(() => document.querySelectorAll("#documents-list li").length === 10, null, {
    timeout: STEP_TIMEOUT_MS,
  });
  assert.ok(await page.isVisible("#more-documents"), "a second page is offered");
  await page.focus("#more-documents");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelectorAll("#documents-list li").length === 11, null, {
    timeout: STEP_TIMEOUT_MS,
  });
  assert.ok(await page.isHidden("#more-documents"), "no third page");
  const listed = await page.$$eval("#documents-list li", (items) => items.map((item) => item.dataset.docId));
  assert.equal(new Set(listed).size, 11, "each document is listed once");
  for (const docId of [articleId, markdownId, htmlId]) {
    assert.ok(listed.includes(docId), `document ${docId} is listed`);
  }

  log("deleting the HTML document, which is on show, with the keyboard");
  page.once("dialog", (dialog) => dialog.accept());
  await page.focus(`#documents-list li[data-doc-id="${htmlId}"] .document-delete`);
  await page.keyboard.press("Enter");
  await page.waitForSelector(`#documents-list li[data-doc-id="${htmlId}"]`, {
    state: "detached",
    timeout: STEP_TIMEOUT_MS,
  });
  assert.equal((await apiCall("GET", `/docs/${htmlId}`, token)).status, 404, "the deleted document is gone");
  assert.equal((await apiCall("GET", `/docs/${markdownId}`, token)).status, 200, "the other documents stay");
  assert.ok(await page.isHidden("#document-view"), "the deleted document is no longer shown");

  log("opening the article again from the list");
  await page.click(`#documents-list li[data-doc-id="${articleId}"] .document-open`);
  await waitForDone(page, articleId);
  await checkHighlights(page, token, articleId, { plain: true });

  log("logging out");
  await page.click("#logout-button");
  await page.waitForSelector("#auth-view", { state: "visible", timeout: STEP_TIMEOUT_MS });
  assert.match(await page.textContent("#notice"), /You have logged out/);
  assert.ok(await page.isHidden("#app-view"));
  assert.ok(requests.some((request) => request.url().endsWith("/api/v1/auth/logout")), "the page revoked its tokens");
  await context.close();
}

/** Waits until the stack serves the page; its first request starts the web function. */
async function waitForPage() {
  const giveUpAt = Date.now() + 120_000;
  for (;;) {
    try {
      const response = await fetch(`${base}/`);
      if (response.status === 200) {
        return;
      }
      log(`GET ${base}/ returned ${response.status}; retrying`);
    } catch (error) {
      log(`GET ${base}/ failed: ${error.cause?.code || error.message}; retrying`);
    }
    if (Date.now() > giveUpAt) {
      throw new Error(`${base}/ did not serve the page within 120 s; see the stack's logs/api.log`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

await waitForPage();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // Without the networking flags Chromium tries to reach Google's hosts at start.
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const started = Date.now();
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on("pageerror", (error) => failures.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // Chromium logs every 4xx response to fetch, and the test causes some on purpose.
    if (message.type() === "error" && !/the server responded with a status of 4\d\d/.test(message.text())) {
      failures.push(`console error: ${message.text()}`);
    }
  });
  await run(page, context);
} finally {
  await browser.close();
}
assert.deepEqual(failures, [], "the page logged no errors");
log(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
