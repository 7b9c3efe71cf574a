// Timekeeper API explorer: Swagger UI with one dropdown holding every service's spec.
//
// 1. Each spec is fetched once up front (through the gateway, like Swagger UI will), so
//    the page says which one is unavailable instead of only failing when it is picked.
// 2. One login serves both specs. Authorize runs the user service's OAuth2 password
//    flow; Swagger UI keeps that token under the users spec's scheme name. The hours
//    spec declares its own scheme (HTTP bearer) under another name, which Swagger UI
//    would leave unauthorized, so the request interceptor adds the token to the
//    gateway's /api/ requests of a spec none of whose schemes is authorized.
//    persistAuthorization keeps the login across reloads.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("explorer-config").textContent);
  const statusBox = document.getElementById("explorer-status");
  const PROBE_TIMEOUT_MS = 8000;
  let ui = null;

  function probe(spec) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
    return fetch(spec.url, { headers: { Accept: "application/json" }, signal: controller.signal })
      .then((response) => {
        if (!response.ok) {
          return `HTTP ${response.status} ${response.statusText}`.trim();
        }
        return response.json().then(
          (doc) => (doc && typeof doc.openapi === "string" ? null : "not an OpenAPI document"),
          () => "not JSON",
        );
      })
      .catch((error) => (error.name === "AbortError" ? "no answer" : "unreachable"))
      .finally(() => clearTimeout(timer));
  }

  function showUnavailable(failures, anyAvailable) {
    statusBox.replaceChildren();
    const lead = document.createElement("strong");
    lead.textContent = anyAvailable
      ? "Some API specs are unavailable right now; the others work as usual."
      : "No API spec is available right now. Reload this page once the services are up.";
    const list = document.createElement("ul");
    for (const { spec, problem } of failures) {
      const item = document.createElement("li");
      item.className = "explorer-unavailable";
      item.dataset.spec = spec.url;
      item.textContent = `${spec.name} (${spec.url}) is unavailable: ${problem}.`;
      list.append(item);
    }
    statusBox.append(lead, list);
    statusBox.hidden = false;
  }

  function hasHeader(headers, name) {
    return Object.keys(headers || {}).some((key) => key.toLowerCase() === name);
  }

  // The access token of whichever scheme holds one (the users spec's OAuth2 scheme).
  function loginToken() {
    const authorized = ui && ui.authSelectors.authorized();
    if (!authorized) {
      return null;
    }
    for (const auth of authorized.valueSeq()) {
      const token = auth.getIn(["token", "access_token"]);
      if (token) {
        return token;
      }
    }
    return null;
  }

  function currentSpecIsAuthorized() {
    const schemes = ui.specSelectors.securityDefinitions();
    const authorized = ui.authSelectors.authorized();
    return Boolean(schemes && authorized && schemes.keySeq().some((name) => authorized.has(name)));
  }

  function shareLogin(request) {
    request.curlOptions = [];
    if (!ui || request.loadSpec || hasHeader(request.headers, "authorization")) {
      return request;
    }
    const url = new URL(request.url, window.location.href);
    const isTokenRequest = typeof request.body === "string" && /(^|&)grant_type=/.test(request.body);
    if (url.origin !== window.location.origin || !url.pathname.startsWith("/api/") || isTokenRequest) {
      return request;
    }
    const token = loginToken();
    if (token && !currentSpecIsAuthorized()) {
      request.headers = { ...request.headers, Authorization: `Bearer ${token}` };
    }
    return request;
  }

  function start(results) {
    const failures = results.filter((result) => result.problem);
    const available = results.filter((result) => !result.problem);
    if (failures.length) {
      showUnavailable(failures, available.length > 0);
    }
    const urls = results.map(({ spec, problem }) => ({
      url: spec.url,
      name: problem ? `${spec.name} (unavailable)` : spec.name,
    }));
    ui = SwaggerUIBundle({
      urls,
      "urls.primaryName": (available[0] ? urls[results.indexOf(available[0])] : urls[0]).name,
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      plugins: [SwaggerUIBundle.plugins.DownloadUrl],
      layout: "StandaloneLayout",
      persistAuthorization: true,
      displayRequestDuration: true,
      validatorUrl: null,
      requestInterceptor: shareLogin,
    });
    window.ui = ui;
  }

  Promise.all(config.specs.map((spec) => probe(spec).then((problem) => ({ spec, problem })))).then(start);
})();
