// The docsum page: sign up, log in, submit a text, follow its job and read the summary
// with its sentences highlighted in the original.
//
// User and server text enters the page only through textContent and form values,
// never as HTML, so a submitted HTML document is shown as its source.

import * as api from "./api.js";
import { ApiError } from "./api.js";
import { splitByByteRanges } from "./highlight.js";

const POLL_FIRST_DELAY_MS = 500;
const POLL_MAX_DELAY_MS = 5000;
const POLL_BACKOFF = 1.5;
const POLL_GIVE_UP_MS = 10 * 60 * 1000;
const DOCUMENTS_PAGE_SIZE = 10;

/** Content types by file extension, for uploads. */
const UPLOAD_TYPES = {
  txt: "text/plain",
  text: "text/plain",
  md: "text/markdown",
  markdown: "text/markdown",
  html: "text/html",
  htm: "text/html",
};

/** Input settings of each kind of summary length. */
const LENGTH_KINDS = {
  sentences: { min: 1, max: 50, step: 1, value: 3 },
  ratio: { min: 0.01, max: 1, step: 0.01, value: 0.2 },
  words: { min: 1, max: 5000, step: 1, value: 100 },
};

/** The name of each problem-document field in error messages. */
const FIELD_NAMES = {
  email: "The email",
  password: "The password",
  text: "The text",
  body: "The request",
  title: "The title",
  format: "The format",
  file: "The file",
  sentences: "The number of sentences",
  ratio: "The ratio",
  words: "The number of words",
  language: "The language",
  key_phrases: "The number of key phrases",
};

const STATUS_TEXT = {
  queued: "Queued: waiting for a worker.",
  processing: "Processing: the worker is summarizing the text.",
  done: "Done.",
  failed: "Failed.",
};

const byId = (id) => document.getElementById(id);

const elements = {
  notice: byId("notice"),
  session: byId("session"),
  sessionEmail: byId("session-email"),
  logoutButton: byId("logout-button"),
  authView: byId("auth-view"),
  appView: byId("app-view"),
  signupForm: byId("signup-form"),
  loginForm: byId("login-form"),
  submitForm: byId("submit-form"),
  fileInput: byId("file"),
  lengthKind: byId("length-kind"),
  lengthValue: byId("length-value"),
  documentView: byId("document-view"),
  documentTitle: byId("document-title"),
  documentStatus: byId("document-status"),
  summaryView: byId("summary-view"),
  summarySentences: byId("summary-sentences"),
  keyPhrases: byId("key-phrases-list"),
  highlightError: byId("highlight-error"),
  originalText: byId("original-text"),
  documentsList: byId("documents-list"),
  documentsEmpty: byId("documents-empty"),
  documentsError: byId("documents-error"),
  moreDocuments: byId("more-documents"),
  refreshDocuments: byId("refresh-documents"),
};

/** The document on show: a new generation stops the polling of the previous one. */
const shownDocument = { docId: null, generation: 0 };
let nextCursor = null;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- Messages and form errors ----

/** Sets the text of a live region only when it changes, so screen readers announce it once. */
function setStatus(element, text) {
  if (element.textContent !== text) {
    element.textContent = text;
  }
}

function notify(message) {
  elements.notice.textContent = message;
}

function clearErrors(form) {
  for (const target of form.querySelectorAll("[data-error-for]")) {
    target.textContent = "";
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
  }
}

/** Finds the error element of a form that `data-error-for` assigns to `field`. */
function errorTargetFor(form, field) {
  for (const target of form.querySelectorAll("[data-error-for]")) {
    if (target.dataset.errorFor.split(" ").includes(field)) {
      return target;
    }
  }
  return null;
}

/** Puts each field error next to its field and the rest in the form's message. */
function showError(form, error) {
  clearErrors(form);
  const formMessage = form.querySelector('[data-error-for="*"]');
  if (!(error instanceof ApiError)) {
    console.error(error);
    formMessage.textContent = "Something went wrong in the page. Reload it and try again.";
    return;
  }

  const unplaced = [];
  let firstInvalid = null;
  for (const { field, message } of error.fieldErrors) {
    const sentence = `${FIELD_NAMES[field] || field} ${message}.`;
    const target = errorTargetFor(form, field);
    if (!target) {
      unplaced.push(sentence);
      continue;
    }
    target.textContent = target.textContent ? `${target.textContent} ${sentence}` : sentence;
    const input = form.querySelector(`[aria-describedby~="${target.id}"]`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      firstInvalid ??= input;
    }
  }

  if (error.fieldErrors.length === 0) {
    formMessage.textContent = error.message;
  } else if (unplaced.length > 0) {
    formMessage.textContent = unplaced.join(" ");
  } else {
    formMessage.textContent = "Correct the marked fields and try again.";
  }
  firstInvalid?.focus();
}

/** Builds the error of a check made in the page, shaped as the API's 422 for `field`. */
function localError(field, message) {
  return new ApiError(422, { errors: [{ field, message }] });
}

// ---- Sign up, log in, log out ----

function showSignedIn() {
  elements.sessionEmail.textContent = api.signedInEmail();
  elements.session.hidden = false;
  elements.authView.hidden = true;
  elements.appView.hidden = false;
  loadDocuments({ reset: true });
  byId("submit-heading").focus();
}

function showSignedOut(message) {
  shownDocument.generation += 1;
  shownDocument.docId = null;
  elements.session.hidden = true;
  elements.appView.hidden = true;
  elements.authView.hidden = false;
  elements.documentView.hidden = true;
  elements.documentsList.replaceChildren();
  elements.submitForm.reset();
  updateLengthInput();
  clearErrors(elements.submitForm);
  notify(message);
  byId("login-email").focus();
}

api.setSessionEndHandler(showSignedOut);

elements.signupForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = elements.signupForm;
  clearErrors(form);
  const email = form.elements.email.value.trim();
  const password = form.elements.password.value;
  try {
    await api.register(email, password);
  } catch (error) {
    showError(form, error);
    return;
  }
  form.reset();
  notify(`Account created for ${email}. Log in below.`);
  elements.loginForm.elements.email.value = email;
  elements.loginForm.elements.password.focus();
});

elements.loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = elements.loginForm;
  clearErrors(form);
  const email = form.elements.email.value.trim();
  const password = form.elements.password.value;
  try {
    await api.login(email, password);
  } catch (error) {
    showError(form, error);
    return;
  }
  form.reset();
  notify("");
  showSignedIn();
});

elements.logoutButton.addEventListener("click", async () => {
  let message = "You have logged out.";
  try {
    await api.logout();
  } catch (error) {
    // The page has dropped its tokens either way. The server may keep the refresh token
    // valid until it expires.
    message = `You have logged out here, but the server did not confirm it: ${error.message}`;
  }
  showSignedOut(message);
});

// ---- Submitting a text ----

function updateLengthInput() {
  const settings = LENGTH_KINDS[elements.lengthKind.value];
  const input = elements.lengthValue;
  input.min = settings.min;
  input.max = settings.max;
  input.step = settings.step;
  input.value = settings.value;
}

elements.lengthKind.addEventListener("change", updateLengthInput);

/** Reads the summary options of the form, or throws an ApiError naming the field. */
function readOptions(form) {
  const options = {};
  const kind = elements.lengthKind.value;
  const rawLength = elements.lengthValue.value.trim();
  if (rawLength === "" || !Number.isFinite(Number(rawLength))) {
    throw localError(kind, "must be a number");
  }
  options[kind] = Number(rawLength);
  options.language = form.elements.language.value;
  const rawKeyPhrases = form.elements.key_phrases.value.trim();
  if (rawKeyPhrases !== "") {
    if (!Number.isFinite(Number(rawKeyPhrases))) {
      throw localError("key_phrases", "must be a whole number from 0 to 20");
    }
    options.key_phrases = Number(rawKeyPhrases);
  }
  return options;
}

function uploadType(fileName) {
  const extension = fileName.includes(".") ? fileName.split(".").pop().toLowerCase() : "";
  return UPLOAD_TYPES[extension] || null;
}

/** Sends the form as JSON, or the chosen file as its own content type. */
function submitText(form) {
  const options = readOptions(form);
  const title = form.elements.title.value.trim();
  const file = elements.fileInput.files[0];

  if (file) {
    const contentType = uploadType(file.name);
    if (!contentType) {
      throw localError("file", "must be a .txt, .md or .html file");
    }
    const query = { ...options, title: title || file.name.slice(0, 200) };
    return api.call("POST", "/summarize", { body: file, contentType, query });
  }

  const text = form.elements.text.value;
  if (text.trim() === "") {
    throw localError("text", "is empty; paste a text or choose a file");
  }
  const body = { text, format: form.elements.format.value, ...options };
  if (title) {
    body.title = title;
  }
  return api.call("POST", "/summarize", { json: body });
}

elements.submitForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = elements.submitForm;
  clearErrors(form);
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  let accepted;
  try {
    accepted = await submitText(form);
  } catch (error) {
    showError(form, error);
    return;
  } finally {
    button.disabled = false;
  }
  form.elements.text.value = "";
  form.elements.title.value = "";
  elements.fileInput.value = "";
  notify("The text was accepted and queued.");
  loadDocuments({ reset: true });
  followDocument(accepted.doc_id, accepted.status);
});

// ---- One document ----

/**
 * Shows a document and polls it, with backoff, until it is done or failed.
 * `knownStatus` is the status the submit response gave, shown before the first poll.
 */
async function followDocument(docId, knownStatus = null) {
  shownDocument.generation += 1;
  const generation = shownDocument.generation;
  shownDocument.docId = docId;
  elements.documentView.hidden = false;
  elements.summaryView.hidden = true;
  elements.documentTitle.textContent = "";
  elements.documentView.dataset.docId = docId;
  elements.documentView.dataset.status = knownStatus || "";
  elements.documentStatus.textContent = STATUS_TEXT[knownStatus] || "Loading…";
  showStep(knownStatus);
  elements.documentView.scrollIntoView({ block: "start" });

  const giveUpAt = Date.now() + POLL_GIVE_UP_MS;
  let delay = POLL_FIRST_DELAY_MS;
  for (;;) {
    let doc = null;
    try {
      doc = await api.call("GET", `/docs/${encodeURIComponent(docId)}`);
    } catch (error) {
      if (generation !== shownDocument.generation) {
        return;
      }
      if (error.status === 404 || error.status === 401) {
        elements.documentStatus.textContent = error.message;
        return;
      }
      setStatus(elements.documentStatus, `${error.message} Trying again…`);
    }
    if (generation !== shownDocument.generation) {
      return;
    }
    if (doc) {
      renderDocument(doc);
      if (doc.status === "done" || doc.status === "failed") {
        updateListedStatus(doc);
        return;
      }
    }
    if (Date.now() > giveUpAt) {
      elements.documentStatus.textContent +=
        " The page stopped checking after 10 minutes; open the document from the list to check again.";
      return;
    }
    await sleep(delay);
    if (generation !== shownDocument.generation) {
      return;
    }
    delay = Math.min(delay * POLL_BACKOFF, POLL_MAX_DELAY_MS);
  }
}

/** Marks the steps before `status` complete and `status` itself current. */
function showStep(status) {
  const order = ["queued", "processing", "done"];
  const reached = status === "failed" ? -1 : order.indexOf(status);
  for (const step of elements.documentView.querySelectorAll("[data-step]")) {
    const index = order.indexOf(step.dataset.step);
    step.classList.toggle("complete", index < reached || (index === reached && status === "done"));
    step.classList.toggle("current", index === reached);
    if (index === reached) {
      step.setAttribute("aria-current", "step");
    } else {
      step.removeAttribute("aria-current");
    }
  }
}

function renderDocument(doc) {
  elements.documentView.dataset.docId = doc.doc_id;
  elements.documentView.dataset.status = doc.status;
  elements.documentTitle.textContent = doc.title || "Untitled";
  showStep(doc.status);
  let status = STATUS_TEXT[doc.status] || doc.status;
  if (doc.status === "failed" && doc.error) {
    status = `Failed: ${doc.error}`;
  }
  if (doc.status === "done" && doc.summary) {
    const count = doc.summary.sentences.length;
    status = `Done: ${count} ${count === 1 ? "sentence" : "sentences"}.`;
  }
  setStatus(elements.documentStatus, status);

  if (doc.status !== "done" || !doc.summary) {
    elements.summaryView.hidden = true;
    return;
  }
  renderSummary(doc.summary);
  renderOriginal(doc.text || "", doc.summary.sentences);
  elements.summaryView.hidden = false;
}

function renderSummary(summary) {
  const items = summary.sentences.map((sentence, index) => {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `#sentence-${index + 1}`;
    link.textContent = sentence.text;
    link.addEventListener("click", (event) => {
      const mark = byId(`sentence-${index + 1}`);
      if (mark) {
        event.preventDefault();
        mark.scrollIntoView({ block: "center" });
        mark.focus();
      }
    });
    item.append(link);
    return item;
  });
  if (summary.truncated) {
    const note = document.createElement("li");
    note.className = "none";
    note.textContent = "The later sentences of this summary were left out, so that the document fits in one response.";
    items.push(note);
  }
  elements.summarySentences.replaceChildren(...items);

  const phrases = summary.key_phrases.map((phrase) => {
    const item = document.createElement("li");
    item.textContent = phrase.text;
    return item;
  });
  if (phrases.length === 0) {
    const item = document.createElement("li");
    item.className = "none";
    item.textContent = "None";
    phrases.push(item);
  }
  elements.keyPhrases.replaceChildren(...phrases);
}

function renderOriginal(text, sentences) {
  elements.highlightError.textContent = "";
  let pieces;
  try {
    pieces = splitByByteRanges(text, sentences);
  } catch (error) {
    elements.highlightError.textContent = `The sentences could not be highlighted: ${error.message}`;
    elements.originalText.textContent = text;
    return;
  }
  const nodes = pieces.map((piece) => {
    if (piece.sentence === null) {
      return document.createTextNode(piece.text);
    }
    const mark = document.createElement("mark");
    mark.id = `sentence-${piece.sentence + 1}`;
    mark.dataset.sentence = String(piece.sentence);
    mark.tabIndex = -1;
    mark.textContent = piece.text;
    return mark;
  });
  elements.originalText.replaceChildren(...nodes);
}

// ---- The list of documents ----

function formatBytes(bytes) {
  if (bytes < 1000) {
    return `${bytes} bytes`;
  }
  if (bytes < 1000 * 1000) {
    return `${(bytes / 1000).toFixed(1)} kB`;
  }
  return `${(bytes / 1000 / 1000).toFixed(1)} MB`;
}

function documentItem(doc) {
  const item = document.createElement("li");
  item.dataset.docId = doc.doc_id;
  const name = doc.title || "Untitled";

  const open = document.createElement("button");
  open.type = "button";
  open.className = "link-button document-open";
  open.textContent = name;
  open.addEventListener("click", () => followDocument(doc.doc_id));

  const details = document.createElement("span");
  details.className = "document-details";
  const status = document.createElement("span");
  status.className = `status status-${doc.status}`;
  status.textContent = doc.status;
  const when = document.createElement("time");
  when.dateTime = doc.created_at;
  when.textContent = new Date(doc.created_at).toLocaleString();
  details.append(status, " · ", when, ` · ${formatBytes(doc.text_bytes)}`);

  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "document-delete";
  remove.textContent = "Delete";
  remove.setAttribute("aria-label", `Delete ${name}`);
  remove.addEventListener("click", () => deleteDocument(doc.doc_id, name, item));

  item.append(open, details, remove);
  return item;
}

function updateListedStatus(doc) {
  const item = elements.documentsList.querySelector(`li[data-doc-id="${CSS.escape(doc.doc_id)}"]`);
  const status = item?.querySelector(".status");
  if (status) {
    status.className = `status status-${doc.status}`;
    status.textContent = doc.status;
  }
}

async function loadDocuments({ reset }) {
  elements.documentsError.textContent = "";
  const query = { limit: DOCUMENTS_PAGE_SIZE };
  if (!reset && nextCursor) {
    query.cursor = nextCursor;
  }
  let page;
  try {
    page = await api.call("GET", "/docs", { query });
  } catch (error) {
    elements.documentsError.textContent = `The documents could not be listed: ${error.message}`;
    return;
  }
  const items = page.items.map(documentItem);
  if (reset) {
    elements.documentsList.replaceChildren(...items);
  } else {
    elements.documentsList.append(...items);
  }
  nextCursor = page.next_cursor;
  elements.moreDocuments.hidden = !nextCursor;
  elements.documentsEmpty.hidden = elements.documentsList.children.length > 0;
}

async function deleteDocument(docId, name, item) {
  if (!window.confirm(`Delete “${name}”? Its text and summary are removed for good.`)) {
    return;
  }
  try {
    await api.call("DELETE", `/docs/${encodeURIComponent(docId)}`);
  } catch (error) {
    if (error.status !== 404) {
      elements.documentsError.textContent = `The document could not be deleted: ${error.message}`;
      return;
    }
  }
  const next = item.nextElementSibling || item.previousElementSibling;
  item.remove();
  elements.documentsEmpty.hidden = elements.documentsList.children.length > 0;
  if (shownDocument.docId === docId) {
    shownDocument.generation += 1;
    shownDocument.docId = null;
    elements.documentView.hidden = true;
  }
  notify(`Deleted “${name}”.`);
  (next?.querySelector(".document-open") || elements.refreshDocuments).focus();
}

elements.refreshDocuments.addEventListener("click", () => loadDocuments({ reset: true }));
elements.moreDocuments.addEventListener("click", () => loadDocuments({ reset: false }));

updateLengthInput();
byId("login-email").focus();
