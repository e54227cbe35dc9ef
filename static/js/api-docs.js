/* Renders the OpenAPI document with Swagger UI (a classic script from static/vendor, run
 * before this deferred module). A file, not an inline script: the Content-Security-Policy
 * allows no inline script without the page's nonce.
 */
const target = document.getElementById("swagger-ui");
if (target) {
  window.SwaggerUIBundle({
    url: target.getAttribute("data-spec-url"),
    // No badge from the public validator: the page loads nothing from other hosts.
    validatorUrl: null,
    domNode: target,
    deepLinking: true,
    // Requests made from the page carry the visitor's session and the page's CSRF token,
    // so a logged-in user can try the write operations too.
    requestInterceptor(request) {
      const token = document.querySelector('meta[name="csrf-token"]');
      if (token && request.method && request.method.toUpperCase() !== "GET") {
        request.headers["X-CSRFToken"] = token.getAttribute("content");
      }
      return request;
    },
  });
}
