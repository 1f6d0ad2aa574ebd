// save_pt: a state dict as torch.save writes it (include/ramp/pt.h), the pickle written opcode by
// opcode in the shape Python's pickler gives torch's objects, without the memo (torch's reader
// needs none).
#include <filesystem>
#include <map>

#include "ramp/pt.h"
#include "zip.h"

namespace ramp {
namespace {

class Pickle {
 public:
  std::string out = std::string("\x80\x02", 2);  // PROTO 2
  void op(char c) { out += c; }
  void global(const char* module, const char* name) { out += detail::cat('c', module, '\n', name, '\n'); }
  void integer(std::int64_t v) {
    if (v >= 0 && v < 256) {
      op('K'), raw(std::uint64_t(v), 1);
    } else if (v >= 0 && v < 65536) {
      op('M'), raw(std::uint64_t(v), 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J'), raw(std::uint64_t(v), 4);
    } else {
      op('\x8a'), raw(8, 1), raw(std::uint64_t(v), 8);  // LONG1, two's complement
    }
  }
  void str(const std::string& s) { op('X'), raw(s.size(), 4), out += s; }
  void ints(IntArrayRef v) {
    op('(');
    for (std::int64_t x : v) integer(x);
    op('t');
  }
  void ordered_dict() { global("collections", "OrderedDict"), op(')'), op('R'); }

 private:
  void raw(std::uint64_t v, int n) {
    for (int k = 0; k < n; ++k) out += char(v >> (8 * k) & 0xff);
  }
};

}  // namespace

void save_pt(const NamedTensors& tensors, const std::string& path) {
  constexpr const char* kWhat = "save_pt";
  // torch names the archive's folder after the file (model.pth -> model/).
  std::string folder = std::filesystem::path(path).stem().string();
  if (folder.empty()) folder = "archive";
  std::map<const Storage*, std::string> keys;  // one data/<key> per storage, so views stay shared
  std::vector<Tensor> storages;
  Pickle p;
  p.ordered_dict();
  p.op('(');
  for (const auto& [name, tensor] : tensors) {
    RAMP_CHECK(tensor.defined(), kWhat, ": ", path, ": tensor '", name, "' is undefined");
    const Tensor t = tensor.detach();
    const Storage* s = t.storage().get();
    const std::int64_t numel = std::int64_t(s->nbytes / t.element_size());
    auto [at, fresh] = keys.emplace(s, std::to_string(keys.size()));
    if (fresh) storages.push_back(t.as_strided({numel}, {1}, 0));
    p.str(name);
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.op('(');
    p.op('('), p.str("storage"), p.global("torch", pt::storage_type_name(t.dtype())), p.str(at->second), p.str("cpu");
    p.integer(numel), p.op('t'), p.op('Q');  // BINPERSID
    p.integer(t.storage_offset()), p.ints(t.sizes()), p.ints(t.strides());
    p.op(tensor.requires_grad() ? '\x88' : '\x89');
    p.ordered_dict();  // backward hooks
    p.op('t'), p.op('R');
  }
  p.op('u'), p.op('.');  // SETITEMS, STOP
  io::ZipWriter zip(kWhat, path);
  zip.add(folder + "/data.pkl", p.out.data(), p.out.size());
  // torch writes the storages in the sorted order of their keys, as strings
  std::map<std::string, const Tensor*> sorted;
  for (std::size_t k = 0; k < storages.size(); ++k) sorted.emplace(std::to_string(k), &storages[k]);
  for (const auto& [key, t] : sorted) zip.add(folder + "/data/" + key, t->data_ptr(), t->nbytes());
  zip.add(folder + "/version", "3\n", 2);
  zip.close();
}

}  // namespace ramp
