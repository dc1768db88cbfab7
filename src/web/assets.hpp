// The console's files (src/web/console/) and the OpenAPI document (src/web/openapi.json),
// embedded in the binary at build time (embed_assets.cmake): the console needs no files at run
// time and no network.
#pragma once

#include <string_view>

namespace outpost::web {

struct Asset {
  std::string_view content_type;
  std::string_view body;
};

// The asset served at `path` ("/index.html", "/vendor/uplot/uPlot.iife.min.js",
// "/api/v1/openapi.json"); nullptr when there is none.
[[nodiscard]] const Asset* find_asset(std::string_view path);

}  // namespace outpost::web
