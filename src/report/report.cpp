// The HTML report: one self-contained page (inline CSS and SVG, no scripts, no external files), so it
// opens offline and can be mailed or archived as it is.
#include <filesystem>
#include <fstream>

#include "ramp/chart.h"
#include "ramp/error.h"

namespace ramp::chart {

Report::Report(std::string title) : title_(std::move(title)) {}

void Report::heading(std::string_view text) { body_ += "<h2>" + escape(text) + "</h2>\n"; }

void Report::paragraph(std::string_view text) { body_ += "<p>" + escape(text) + "</p>\n"; }

void Report::figure(std::string svg, std::string_view caption) {
  body_ += "<figure>" + svg;
  if (!caption.empty()) body_ += "<figcaption>" + escape(caption) + "</figcaption>";
  body_ += "</figure>\n";
}

void Report::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  body_ += "<table><thead><tr>";
  for (const auto& h : header) body_ += "<th>" + escape(h) + "</th>";
  body_ += "</tr></thead><tbody>\n";
  for (const auto& row : rows) {
    body_ += "<tr>";
    for (const auto& cell : row) body_ += "<td>" + escape(cell) + "</td>";
    body_ += "</tr>\n";
  }
  body_ += "</tbody></table>\n";
}

std::string Report::html() const {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title_) +
         "</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}"
         "figure{margin:1em 0}svg{max-width:100%;height:auto}figcaption{font-size:90%;color:#555}"
         "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}"
         "th{background:#f3f3f3}</style></head>\n<body><h1>" +
         escape(title_) + "</h1>\n" + body_ + "</body></html>\n";
}

void Report::save(const std::string& path) const {
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::ofstream out(p, std::ios::binary);
  out << html();
  out.close();
  RAMP_CHECK(out.good(), "Report.save: cannot write '", path, "'");
}

}  // namespace ramp::chart
