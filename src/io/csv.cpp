// CSV of numbers: RFC 4180 quoting (a field in double quotes may hold the delimiter; "" is a
// quote), numbers parsed with std::from_chars straight to float (correctly rounded once).
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "file.h"
#include "ramp/data.h"

namespace ramp::data {
namespace {

constexpr const char* kWhat = "read_csv";

struct Csv {
  const io::InFile& file;
  char delim;
  std::size_t line = 0;  // 1-based number of the line being parsed

  template <class... A> [[noreturn]] void fail(const A&... problem) const {
    throw Error(detail::cat(kWhat, ": ", file.path(), ":", line, ": ", problem...));  // "read_csv: a.csv:3: ..."
  }
  bool blank(char c) const { return (c == ' ' || c == '\t' || c == '\r') && c != delim; }
  std::string_view trim(std::string_view s) const {
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
  }

  // The fields of one line, unquoted and trimmed.
  std::vector<std::string> split(std::string_view text) const {
    std::vector<std::string> fields;
    std::size_t i = 0;
    for (;;) {
      while (i < text.size() && blank(text[i])) ++i;
      std::string field;
      if (i < text.size() && text[i] == '"') {
        for (++i;; ++i) {
          if (i >= text.size()) fail("unterminated quoted field");
          if (text[i] == '"' && i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            ++i;
          } else if (text[i] == '"') {
            ++i;
            break;
          } else {
            field += text[i];
          }
        }
        while (i < text.size() && blank(text[i])) ++i;
        if (i < text.size() && text[i] != delim) fail("text after the closing quote of field ", fields.size() + 1);
      } else {
        const std::size_t end = std::min(text.find(delim, i), text.size());
        field = std::string(trim(text.substr(i, end - i)));
        i = end;
      }
      fields.push_back(std::move(field));
      if (i >= text.size()) return fields;
      ++i;  // the delimiter
    }
  }

  float number(const std::string& field, std::size_t column) const {
    std::string_view s = field;
    if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);  // from_chars refuses a plus sign
    float v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || end != s.data() + s.size())
      fail("column ", column, ": could not convert '", field, "' to float");
    if (ec == std::errc::result_out_of_range) v = std::strtof(std::string(s).c_str(), nullptr);  // +-inf or a denormal
    return v;
  }
};

}  // namespace

Tensor read_csv(const std::string& path, bool header, char delimiter, std::vector<std::string>* columns) {
  const io::InFile file(kWhat, path);
  RAMP_CHECK(delimiter != '"' && delimiter != '\n' && delimiter != '\r', kWhat, ": invalid delimiter");
  const std::string text = file.read_all();
  Csv csv{file, delimiter};
  std::vector<float> values;
  std::int64_t rows = 0, cols = -1;
  bool want_header = header;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line(text.data() + at, end - at);
    at = end + 1;
    ++csv.line;
    if (csv.trim(line).empty()) continue;
    std::vector<std::string> fields = csv.split(line);
    if (cols >= 0 && std::int64_t(fields.size()) != cols)
      csv.fail("expected ", cols, " fields, found ", fields.size());
    cols = std::int64_t(fields.size());
    if (want_header) {
      want_header = false;
      if (columns) *columns = std::move(fields);
      continue;
    }
    for (std::size_t c = 0; c < fields.size(); ++c) values.push_back(csv.number(fields[c], c + 1));
    ++rows;
  }
  if (!header && columns) columns->clear();
  Tensor out = empty({rows, std::max<std::int64_t>(cols, 0)}, ScalarType::Float32);
  std::copy(values.begin(), values.end(), static_cast<float*>(out.data_ptr()));
  return out;
}

}  // namespace ramp::data
