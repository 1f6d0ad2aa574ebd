// safetensors: the header is JSON (nlohmann), the data raw little-endian bytes. The reader checks
// everything the reference implementation (safetensors 0.3, `SafeTensors::read_metadata`) checks
// before touching the data, so a malformed file raises instead of reading out of bounds.
#include <algorithm>
#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "file.h"
#include "ramp/io.h"

namespace ramp {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

constexpr const char* kWhat = "safetensors";
constexpr std::uint64_t kMaxHeader = 100'000'000;  // the reference reader's limit

struct DtypeName {
  ScalarType type;
  const char* name;
};
constexpr DtypeName kDtypes[] = {{ScalarType::Float32, "F32"}, {ScalarType::Float64, "F64"},
                                 {ScalarType::BFloat16, "BF16"}, {ScalarType::Int64, "I64"},
                                 {ScalarType::Int32, "I32"}, {ScalarType::UInt8, "U8"},
                                 {ScalarType::Int8, "I8"}, {ScalarType::Bool, "BOOL"}};
// The format's other dtypes: valid files ramp cannot hold.
constexpr const char* kUnsupported[] = {"F16", "I16", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2"};

const char* dtype_tag(ScalarType t) {
  for (const auto& d : kDtypes)
    if (d.type == t) return d.name;
  throw Error("safetensors: no dtype tag");
}

// One header entry, checked against itself (not yet against the others or the file).
struct Entry {
  std::string name;
  ScalarType dtype;
  Dims shape;
  std::uint64_t begin, end;
};

// A non-negative JSON integer.
bool as_index(const nlohmann::ordered_json& j, std::uint64_t& out) {
  if (j.is_number_unsigned()) {
    out = j.get<std::uint64_t>();
    return true;
  }
  if (j.is_number_integer() && j.get<std::int64_t>() >= 0) {
    out = std::uint64_t(j.get<std::int64_t>());
    return true;
  }
  return false;
}

Entry parse_entry(const io::InFile& f, const std::string& name, const nlohmann::ordered_json& j) {
  auto bad = [&](const auto&... what) { f.fail("tensor '", name, "': ", what...); };
  if (!j.is_object()) bad("expected an object with dtype, shape and data_offsets");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!j.contains(key)) bad("missing \"", key, "\"");
  const auto& dt = j["dtype"];
  if (!dt.is_string()) bad("dtype must be a string");
  const std::string tag = dt.get<std::string>();
  Entry e{name, ScalarType::Float32, {}, 0, 0};
  bool found = false;
  for (const auto& d : kDtypes)
    if (tag == d.name) e.dtype = d.type, found = true;
  if (!found) {
    for (const char* u : kUnsupported)
      if (tag == u) bad("dtype ", tag, " is not supported by ramp");
    bad("unknown dtype '", tag, "'");
  }
  const auto& shape = j["shape"];
  if (!shape.is_array()) bad("shape must be an array of non-negative integers");
  if (shape.size() > std::size_t(kMaxDims)) bad("shape has ", shape.size(), " dims; ramp tensors have at most ", kMaxDims);
  std::uint64_t bytes = element_size(e.dtype);
  for (const auto& s : shape) {
    std::uint64_t v = 0;
    if (!as_index(s, v) || v > std::uint64_t(INT64_MAX)) bad("shape must be an array of non-negative integers");
    if (__builtin_mul_overflow(bytes, v, &bytes)) bad("shape ", s.dump(), "... is too large");
    e.shape.push_back(std::int64_t(v));
  }
  const auto& off = j["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !as_index(off[0], e.begin) || !as_index(off[1], e.end) || e.end < e.begin)
    bad("data_offsets must be [begin, end] with 0 <= begin <= end");
  if (e.end - e.begin != bytes)
    bad("data_offsets [", e.begin, ", ", e.end, "] hold ", e.end - e.begin, " bytes but shape ",
        shape_str(e.shape), " of ", tag, " needs ", bytes);
  return e;
}

// Parses the header (keeping its key order), refusing duplicate keys in any object (nlohmann
// would keep the last).
nlohmann::ordered_json parse_header(const io::InFile& f, const std::string& text) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto check = [&](int, nlohmann::ordered_json::parse_event_t ev, nlohmann::ordered_json& j) {
    using E = nlohmann::ordered_json::parse_event_t;
    if (ev == E::object_start) keys.emplace_back();
    if (ev == E::object_end && !keys.empty()) keys.pop_back();
    if (ev == E::key && !keys.empty() && !keys.back().insert(j.get<std::string>()).second && duplicate.empty())
      duplicate = j.get<std::string>();
    return true;
  };
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(text, check);
  } catch (const nlohmann::ordered_json::exception& e) {
    f.fail("invalid JSON header: ", e.what());
  }
  if (!duplicate.empty()) f.fail("duplicate key '", duplicate, "' in the header");
  if (!j.is_object()) f.fail("the header must be a JSON object");
  return j;
}

}  // namespace

SafetensorsFile read_safetensors(const std::string& path) {
  const io::InFile f(kWhat, path);
  if (f.size() < 8) f.fail("file of ", f.size(), " bytes is too small for the 8-byte header length");
  unsigned char len_bytes[8];
  f.read(len_bytes, 8, 0);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | len_bytes[i];
  if (n > f.size() - 8) f.fail("header length ", n, " goes past the end of the file (", f.size(), " bytes)");
  if (n > kMaxHeader) f.fail("header length ", n, " exceeds the limit of ", kMaxHeader, " bytes");
  std::string text(std::size_t(n), '\0');
  f.read(text.data(), n, 8);
  const nlohmann::ordered_json header = parse_header(f, text);

  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) f.fail("__metadata__ must be an object of strings");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) f.fail("__metadata__ value of '", k, "' must be a string");
        out.metadata[k] = v.get<std::string>();
      }
    } else {
      entries.push_back(parse_entry(f, key, value));
    }
  }
  // The tensors must tile the data section exactly, in offset order.
  std::stable_sort(entries.begin(), entries.end(),  // ties (empty tensors): header order
            [](const Entry& a, const Entry& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
  const std::uint64_t data_size = f.size() - 8 - n;
  std::uint64_t at = 0;
  for (const Entry& e : entries) {
    if (e.begin < at) f.fail("tensor '", e.name, "' at bytes [", e.begin, ", ", e.end, ") overlaps the one before");
    if (e.begin > at) f.fail("gap of ", e.begin - at, " bytes before tensor '", e.name, "'");
    if (e.end > data_size)
      f.fail("tensor '", e.name, "' ends at byte ", e.end, " past the data section's ", data_size,
             " bytes (file truncated?)");
    at = e.end;
  }
  if (at != data_size) f.fail(data_size - at, " bytes after the last tensor's data");
  for (const Entry& e : entries) {
    Tensor t = empty(e.shape, e.dtype);
    f.read(t.data_ptr(), e.end - e.begin, 8 + n + e.begin);
    if (e.dtype == ScalarType::Bool) {  // a bool byte other than 0/1 would be undefined behaviour
      const auto* b = static_cast<const unsigned char*>(t.data_ptr());
      for (std::int64_t i = 0; i < t.numel(); ++i)
        if (b[i] > 1) f.fail("tensor '", e.name, "': BOOL byte ", i, " is ", int(b[i]), ", not 0 or 1");
    }
    out.tensors.emplace_back(e.name, std::move(t));
  }
  return out;
}

NamedTensors load_safetensors(const std::string& path) { return read_safetensors(path).tensors; }

void save_safetensors(const NamedTensors& tensors, const std::string& path,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> data;
  std::uint64_t at = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty() || name == "__metadata__") io::fail(kWhat, path, "invalid tensor name '", name, "'");
    if (header.contains(name)) io::fail(kWhat, path, "duplicate tensor name '", name, "'");
    RAMP_CHECK(tensor.defined(), kWhat, ": ", path, ": tensor '", name, "' is undefined");
    data.push_back(tensor.detach().contiguous());
    const std::uint64_t end = at + data.back().nbytes();
    header[name] = {{"dtype", dtype_tag(tensor.dtype())},
                    {"shape", std::vector<std::int64_t>(tensor.sizes().begin(), tensor.sizes().end())},
                    {"data_offsets", {at, end}}};
    at = end;
  }
  std::string text = header.dump();
  text.resize((text.size() + 7) / 8 * 8, ' ');  // the data starts 8-byte aligned
  unsigned char len_bytes[8];
  for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>(std::uint64_t(text.size()) >> (8 * i));
  io::OutFile out(kWhat, path);
  out.write(len_bytes, 8);
  out.write(text.data(), text.size());
  for (const Tensor& t : data) out.write(t.data_ptr(), t.nbytes());
  out.close();
}

}  // namespace ramp
