// The client of the docsum API, on the same origin as the page.
//
// Tokens are kept in memory only: nothing goes to localStorage or cookies, so a
// reload logs the person out. A call that gets 401 exchanges the refresh token for
// new tokens once and is sent again.

const BASE = "/api/v1";

/** A failed call: `status` is 0 when the server could not be reached. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail || problem.title || `The request failed with status ${status}.`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** The field errors of a 422 problem, each `{field, message}`. */
  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

const session = {
  email: null,
  accessToken: null,
  refreshToken: null,
  // The refresh in progress, so that calls failing together refresh only once.
  refreshing: null,
};

let onSessionEnd = () => {};

/** Sets the function called with a message when the session ends without a logout. */
export function setSessionEndHandler(handler) {
  onSessionEnd = handler;
}

export function signedInEmail() {
  return session.email;
}

async function send(method, path, { json, body, contentType, token, query } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (contentType) {
    headers["Content-Type"] = contentType;
  }
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  let url = BASE + path;
  if (query) {
    const search = new URLSearchParams(query).toString();
    if (search) {
      url += `?${search}`;
    }
  }

  let response;
  try {
    response = await fetch(url, { method, headers, body, credentials: "omit", cache: "no-store" });
  } catch {
    throw new ApiError(0, { detail: "The server could not be reached. Check the connection and try again." });
  }
  if (response.status === 204) {
    return null;
  }
  const type = response.headers.get("Content-Type") || "";
  let parsed = null;
  if (type.includes("json")) {
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    const problem = parsed && typeof parsed === "object" ? parsed : {};
    throw new ApiError(response.status, problem, response.headers.get("Retry-After"));
  }
  return parsed;
}

/** Sends a call that needs the access token, refreshing the tokens once on 401. */
export async function call(method, path, options = {}) {
  if (!session.accessToken) {
    throw new ApiError(401, { detail: "Log in first." });
  }
  const usedToken = session.accessToken;
  try {
    return await send(method, path, { ...options, token: usedToken });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401 || !session.refreshToken) {
      throw error;
    }
  }
  // Another call may have refreshed the tokens while this one was in flight.
  if (session.accessToken === usedToken) {
    await refreshTokens();
  }
  return send(method, path, { ...options, token: session.accessToken });
}

function refreshTokens() {
  if (!session.refreshing) {
    const refreshToken = session.refreshToken;
    session.refreshing = send("POST", "/auth/refresh", { json: { refresh_token: refreshToken } })
      .then((tokens) => {
        if (session.refreshToken === refreshToken) {
          keepTokens(tokens);
        }
      })
      .catch((error) => {
        if (error.status === 401) {
          endSession("Your session has ended. Log in again.");
        }
        throw error;
      })
      .finally(() => {
        session.refreshing = null;
      });
  }
  return session.refreshing;
}

function keepTokens(tokens) {
  session.accessToken = tokens.access_token;
  session.refreshToken = tokens.refresh_token;
}

function endSession(message) {
  const wasSignedIn = session.accessToken !== null;
  session.email = null;
  session.accessToken = null;
  session.refreshToken = null;
  if (wasSignedIn) {
    onSessionEnd(message);
  }
}

export function register(email, password) {
  return send("POST", "/auth/register", { json: { email, password } });
}

export async function login(email, password) {
  const tokens = await send("POST", "/auth/login", { json: { email, password } });
  keepTokens(tokens);
  session.email = email;
}

/** Clears both tokens from memory, then revokes the refresh token on the server. */
export async function logout() {
  const refreshToken = session.refreshToken;
  session.email = null;
  session.accessToken = null;
  session.refreshToken = null;
  if (refreshToken) {
    await send("POST", "/auth/logout", { json: { refresh_token: refreshToken } });
  }
}
