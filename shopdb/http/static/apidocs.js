// Starts Swagger UI on the ShopDB OpenAPI document (kept out of the page so
// the Content-Security-Policy needs no inline scripts).
(function () {
  "use strict";
  var holder = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: holder.getAttribute("data-spec-url"),
    domNode: holder,
    deepLinking: true,
    withCredentials: true,
  });
})();
