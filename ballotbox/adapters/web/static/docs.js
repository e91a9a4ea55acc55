// Starts Swagger UI on /docs from a same-origin file, so the site's CSP needs no inline script.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: root.dataset.spec, domNode: root, deepLinking: true });
});
