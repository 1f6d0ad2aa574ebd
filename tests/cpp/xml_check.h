// A small well-formedness check for the SVG and HTML ramp writes (tests only).
#pragma once

#include <cctype>
#include <cstring>
#include <string>
#include <vector>

namespace ramp::test {

// Well-formed XML (an HTML5 doctype and <meta> allowed): tags nest and close, attribute values
// are quoted and hold no '<', entities are the five escape() writes. Returns "" or the problem.
inline std::string xml_problem(const std::string& s) {
  std::vector<std::string> open;
  std::size_t i = 0;
  auto name_at = [&](std::size_t& j) {
    const std::size_t b = j;
    while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '-' || s[j] == ':')) ++j;
    return s.substr(b, j - b);
  };
  while (i < s.size()) {
    if (s[i] == '&') {
      bool ok = false;
      for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"}) ok |= s.compare(i, std::strlen(e), e) == 0;
      if (!ok) return "bad entity at " + std::to_string(i);
      ++i;
    } else if (s[i] != '<') {
      ++i;
    } else if (s.compare(i, 9, "<!DOCTYPE") == 0) {
      i = s.find('>', i) + 1;
    } else if (s.compare(i, 2, "</") == 0) {
      std::size_t j = i + 2;
      const std::string n = name_at(j);
      if (open.empty() || open.back() != n || s[j] != '>') return "unexpected </" + n + "> at " + std::to_string(i);
      open.pop_back();
      i = j + 1;
    } else {
      std::size_t j = i + 1;
      const std::string n = name_at(j);
      if (n.empty()) return "bad tag at " + std::to_string(i);
      while (true) {
        while (s[j] == ' ') ++j;
        if (s[j] == '>' || s.compare(j, 2, "/>") == 0) break;
        if (name_at(j).empty() || s[j] != '=' || s[j + 1] != '"') return "bad attribute in <" + n + ">";
        const std::size_t end = s.find('"', j + 2);
        if (end == std::string::npos || s.substr(j + 2, end - j - 2).find('<') != std::string::npos)
          return "bad attribute value in <" + n + ">";
        j = end + 1;
      }
      if (s[j] == '>' && n != "meta") open.push_back(n);
      i = j + (s[j] == '>' ? 1 : 2);
    }
  }
  return open.empty() ? "" : "<" + open.back() + "> not closed";
}

}  // namespace ramp::test
