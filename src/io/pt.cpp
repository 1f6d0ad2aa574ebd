// torch's checkpoint format in C++ (include/ramp/pt.h): the zip through minizip (src/io/zip.h) and
// a small pickle machine for just the opcodes and globals torch's pickles of tensors and state dicts
// use. Nothing in the pickle is executed: the only callables are torch's tensor rebuilders and
// OrderedDict, interpreted here; any other global is refused.
#include <cstring>
#include <memory>
#include <unordered_map>

#include "ramp/pt.h"
#include "zip.h"

namespace ramp {
namespace {

constexpr const char* kLoad = "load_pt";

// ---- reading ----

struct Node;
struct Value {
  enum Kind { None, Bool, Int, Float, Str, Global, Tuple, List, Dict, TensorV, Storage } kind = None;
  std::int64_t i = 0;
  double f = 0;
  std::shared_ptr<const std::string> s;  // Str, Global ("module.name"): shared, so BINGET copies nothing big
  Node* node = nullptr;                  // Tuple, List, Dict: owned by the Unpickler's arena
  Tensor t;                              // TensorV, Storage (a 1-D tensor of the whole storage)
};
// A container's items (a dict's as key, value, key, value, ...). Nodes live in an arena, never in
// each other, so a deep or cyclic structure cannot recurse or leak when freed.
struct Node {
  std::vector<Value> items;
};

const char* kind_name(Value::Kind k) {
  constexpr const char* names[] = {"None", "bool", "int", "float", "str", "global", "tuple", "list", "dict", "tensor",
                                   "storage"};
  return names[k];
}

class Unpickler {
 public:
  Unpickler(io::ZipReader& zip, std::string prefix, std::string data)
      : zip_(zip), prefix_(std::move(prefix)), data_(std::move(data)) {}

  Value run() {
    while (true) {
      const unsigned char op = byte();
      switch (op) {
        case 0x80: byte(); break;          // PROTO
        case 0x95: bytes(8); break;        // FRAME
        case '.': {                        // STOP
          if (stack_.size() != 1 || !marks_.empty()) fail("the pickle ends with ", stack_.size(), " values on its stack");
          return stack_.back();
        }
        case '(': marks_.push_back(stack_.size()); break;  // MARK
        case ')': push(container(Value::Tuple)); break;     // EMPTY_TUPLE
        case ']': push(container(Value::List)); break;      // EMPTY_LIST
        case '}': push(container(Value::Dict)); break;      // EMPTY_DICT
        case 't': case 'l': case 'd': {                     // TUPLE, LIST, DICT
          Value c = container(op == 't' ? Value::Tuple : op == 'l' ? Value::List : Value::Dict);
          c.node->items = pop_mark();
          if (op == 'd' && c.node->items.size() % 2) fail("DICT with an odd number of items");
          push(c);
          break;
        }
        case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
          const std::size_t n = op - 0x84u;
          need(n);
          Value c = container(Value::Tuple);
          c.node->items.assign(stack_.end() - long(n), stack_.end());
          stack_.resize(stack_.size() - n);
          push(c);
          break;
        }
        case 'a': {  // APPEND
          Value v = pop();
          into(Value::List, "APPEND").push_back(v);
          break;
        }
        case 'e': {  // APPENDS
          std::vector<Value> vs = pop_mark();
          auto& items = into(Value::List, "APPENDS");
          items.insert(items.end(), vs.begin(), vs.end());
          break;
        }
        case 's': {  // SETITEM
          Value v = pop(), k = pop();
          auto& items = into(Value::Dict, "SETITEM");
          items.push_back(k), items.push_back(v);
          break;
        }
        case 'u': {  // SETITEMS
          std::vector<Value> kvs = pop_mark();
          if (kvs.size() % 2) fail("SETITEMS with an odd number of items");
          auto& items = into(Value::Dict, "SETITEMS");
          items.insert(items.end(), kvs.begin(), kvs.end());
          break;
        }
        case 'N': push(Value{}); break;
        case 0x88: case 0x89: push(integer(op == 0x88, Value::Bool)); break;  // NEWTRUE, NEWFALSE
        case 'K': push(integer(byte())); break;                               // BININT1
        case 'M': push(integer(std::int64_t(le(2)))); break;                  // BININT2
        case 'J': push(integer(std::int32_t(std::uint32_t(le(4))))); break;   // BININT
        case 0x8a: {                                                          // LONG1
          const unsigned n = byte();
          if (n > 8) fail("an integer of ", n, " bytes does not fit int64");
          std::uint64_t v = n ? le(n) : 0;
          if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t(0) << (8 * n);  // sign-extend
          push(integer(std::int64_t(v)));
          break;
        }
        case 'G': {  // BINFLOAT, big-endian
          std::uint64_t bits = 0;
          for (unsigned char c : bytes(8)) bits = bits << 8 | c;
          Value v;
          v.kind = Value::Float;
          std::memcpy(&v.f, &bits, 8);
          push(v);
          break;
        }
        case 'X': push(string(Value::Str, bytes(le(4))));  break;  // BINUNICODE
        case 0x8c: push(string(Value::Str, bytes(byte()))); break;  // SHORT_BINUNICODE
        case 0x8d: push(string(Value::Str, bytes(le(8)))); break;   // BINUNICODE8
        case 'c': {                                                 // GLOBAL
          std::string module = line(), name = line();
          push(global(module, name));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          Value name = pop(), module = pop();
          if (name.kind != Value::Str || module.kind != Value::Str) fail("STACK_GLOBAL of non-strings");
          push(global(*module.s, *name.s));
          break;
        }
        case 'q': memo_[byte()] = top(); break;                // BINPUT
        case 'r': memo_[le(4)] = top(); break;                 // LONG_BINPUT
        case 0x94: memo_[memo_.size()] = top(); break;         // MEMOIZE
        case 'h': push(get(byte())); break;                    // BINGET
        case 'j': push(get(le(4))); break;                     // LONG_BINGET
        case 'Q': push(persistent(pop())); break;              // BINPERSID
        case 'R': {                                            // REDUCE
          Value args = pop(), fn = pop();
          push(reduce(fn, args));
          break;
        }
        case 'b': {  // BUILD: OrderedDict's __dict__ (a state dict's _metadata) is not kept
          pop();
          if (top().kind != Value::Dict && top().kind != Value::TensorV) fail("BUILD on a ", kind_name(top().kind));
          break;
        }
        default: fail("pickle opcode 0x", hex(op), " at byte ", pos_ - 1, " is not one torch writes for tensors");
      }
    }
  }

  template <class... A> [[noreturn]] void fail(const A&... problem) const { zip_.fail(problem...); }

 private:
  static std::string hex(unsigned char c) {
    const char* d = "0123456789abcdef";
    return {d[c >> 4], d[c & 15]};
  }
  unsigned char byte() { return static_cast<unsigned char>(bytes(1)[0]); }
  std::string_view bytes(std::uint64_t n) {
    if (n > data_.size() - pos_) fail("the pickle (data.pkl) is truncated at byte ", pos_);
    std::string_view v(data_.data() + pos_, std::size_t(n));
    pos_ += std::size_t(n);
    return v;
  }
  std::uint64_t le(unsigned n) {
    std::uint64_t v = 0;
    const std::string_view b = bytes(n);
    for (unsigned k = n; k-- > 0;) v = v << 8 | static_cast<unsigned char>(b[k]);
    return v;
  }
  std::string line() {
    const std::size_t end = data_.find('\n', pos_);
    if (end == std::string::npos) fail("the pickle (data.pkl) is truncated in a GLOBAL");
    std::string s = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  void need(std::size_t n) const {
    const std::size_t floor = marks_.empty() ? 0 : marks_.back();
    if (stack_.size() < floor + n) fail("the pickle pops from an empty stack at byte ", pos_ - 1);
  }
  void push(Value v) { stack_.push_back(std::move(v)); }
  Value& top() {
    need(1);
    return stack_.back();
  }
  Value pop() {
    need(1);
    Value v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  std::vector<Value> pop_mark() {
    if (marks_.empty()) fail("the pickle uses a MARK it never set, at byte ", pos_ - 1);
    std::vector<Value> vs(stack_.begin() + long(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return vs;
  }
  std::vector<Value>& into(Value::Kind kind, const char* op) {
    Value& c = top();
    if (c.kind != kind) fail(op, " into a ", kind_name(c.kind));
    return c.node->items;
  }
  Value get(std::uint64_t key) const {
    const auto it = memo_.find(key);
    if (it == memo_.end()) fail("the pickle reads memo entry ", key, ", which it never stored");
    return it->second;
  }
  Value container(Value::Kind kind) {
    arena_.push_back(std::make_unique<Node>());
    Value v;
    v.kind = kind;
    v.node = arena_.back().get();
    return v;
  }
  static Value integer(std::int64_t i, Value::Kind kind = Value::Int) {
    Value v;
    v.kind = kind;
    v.i = i;
    return v;
  }
  static Value string(Value::Kind kind, std::string_view s) {
    Value v;
    v.kind = kind;
    v.s = std::make_shared<const std::string>(s);
    return v;
  }
  Value global(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    const bool allowed = full == "collections.OrderedDict" || full == "torch._utils._rebuild_tensor_v2" ||
                         full == "torch._utils._rebuild_parameter" ||
                         (module == "torch" && pt::is_storage_type(name));
    if (!allowed)
      fail("the pickle names the global '", full, "', which is not one of torch's tensor or container globals (",
           kLoad, " reads state dicts and tensors only, and runs no code from the file)");
    return string(Value::Global, full);
  }
  static std::int64_t as_int(const Value& v, const char* what, const Unpickler& u) {
    if (v.kind != Value::Int) u.fail(what, " must be an int, not a ", kind_name(v.kind));
    return v.i;
  }
  Dims int_tuple(const Value& v, const char* what) const {
    if (v.kind != Value::Tuple) fail(what, " must be a tuple of ints, not a ", kind_name(v.kind));
    if (v.node->items.size() > std::size_t(kMaxDims))
      fail("a tensor of ", v.node->items.size(), " dims; ramp tensors have at most ", kMaxDims);
    Dims d;
    for (const Value& x : v.node->items) d.push_back(as_int(x, what, *this));
    return d;
  }

  // ('storage', torch.FloatStorage, key, location, numel): the storage's bytes from data/<key>,
  // loaded once per key so that tensors saved as views of one storage share it again.
  Value persistent(const Value& pid) {
    const auto& it = pid.kind == Value::Tuple ? pid.node->items : std::vector<Value>{};
    if (it.size() != 5 || it[0].kind != Value::Str || *it[0].s != "storage" || it[1].kind != Value::Global ||
        it[2].kind != Value::Str || it[3].kind != Value::Str || it[4].kind != Value::Int)
      fail("a persistent id that is not ('storage', storage class, key, location, numel)");
    const std::string type = it[1].s->substr(it[1].s->rfind('.') + 1);
    const auto dtype = pt::storage_type_dtype(type);
    if (!dtype) fail("torch.", type, " holds a dtype ramp does not have");
    const std::string& key = *it[2].s;
    auto cached = storages_.find(key);
    if (cached == storages_.end()) {
      const std::string entry = prefix_ + "data/" + key;
      if (!zip_.has(entry)) fail("storage '", key, "' has no entry '", entry, "' in the archive");
      std::uint64_t bytes = 0;
      if (it[4].i < 0 || __builtin_mul_overflow(std::uint64_t(it[4].i), element_size(*dtype), &bytes))
        fail("storage '", key, "' has an invalid element count ", it[4].i);
      const std::uint64_t have = zip_.size(entry);
      if (have != bytes)
        fail("storage '", key, "' of ", it[4].i, " ", type, " elements needs ", bytes, " bytes but '", entry,
             "' holds ", have);
      Value v;
      v.kind = Value::Storage;
      v.t = empty({it[4].i}, *dtype);
      zip_.read(entry, v.t.data_ptr(), bytes);  // straight into the tensor: checkpoints are large
      try {
        pt::check_storage(v.t);
      } catch (const Error& e) {
        fail("storage '", key, "': ", e.what());
      }
      cached = storages_.emplace(key, v).first;
    }
    if (cached->second.t.dtype() != *dtype) fail("storage '", key, "' is read as two different dtypes");
    return cached->second;
  }

  Value reduce(const Value& fn, const Value& args) {
    if (fn.kind != Value::Global || args.kind != Value::Tuple) fail("REDUCE of a ", kind_name(fn.kind));
    const auto& a = args.node->items;
    if (*fn.s == "collections.OrderedDict") {
      if (!a.empty()) fail("OrderedDict with arguments");
      return container(Value::Dict);
    }
    Value out;
    out.kind = Value::TensorV;
    if (*fn.s == "torch._utils._rebuild_tensor_v2") {
      if (a.size() < 5 || a[0].kind != Value::Storage || a[4].kind != Value::Bool)
        fail("_rebuild_tensor_v2 needs (storage, offset, size, stride, requires_grad, hooks)");
      try {
        out.t = pt::rebuild_tensor(a[0].t, as_int(a[1], "the storage offset", *this), int_tuple(a[2], "size"),
                                   int_tuple(a[3], "stride"));
        if (a[4].i) out.t.requires_grad_(true);
      } catch (const Error& e) {
        fail(e.what());
      }
      return out;
    }
    if (*fn.s == "torch._utils._rebuild_parameter") {
      if (a.size() < 2 || a[0].kind != Value::TensorV || a[1].kind != Value::Bool)
        fail("_rebuild_parameter needs (tensor, requires_grad, hooks)");
      out.t = a[0].t;
      try {
        out.t.requires_grad_(a[1].i != 0);
      } catch (const Error& e) {
        fail(e.what());
      }
      return out;
    }
    fail("the pickle calls ", *fn.s);  // a storage class: torch never calls one
  }

  io::ZipReader& zip_;
  std::string prefix_, data_;
  std::size_t pos_ = 0;
  std::vector<Value> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Value> memo_;
  std::vector<std::unique_ptr<Node>> arena_;
  std::unordered_map<std::string, Value> storages_;
};

// The archive's folder: the part before '/' of its first entry, as torch's reader takes it.
std::string archive_prefix(const io::ZipReader& zip) {
  if (zip.names().empty()) zip.fail("an empty zip archive");
  const std::string& first = zip.names().front();
  const std::size_t slash = first.find('/');
  if (slash == std::string::npos) zip.fail("not a torch checkpoint (the zip entry '", first, "' is not in a folder)");
  return first.substr(0, slash + 1);
}

template <class F>
auto with_pickle(const std::string& path, F&& f) {
  {
    const io::InFile file(kLoad, path);
    char magic[4] = {};
    if (file.size() >= 4) file.read(magic, 4, 0);
    if (std::memcmp(magic, "PK\x03\x04", 4) != 0)
      file.fail(file.size() >= 2 && static_cast<unsigned char>(magic[0]) == 0x80
                    ? "a legacy (pre-1.6, non-zip) torch file: only the zip format torch.save writes since 1.6 is "
                      "supported (load it in torch and save it again)"
                    : "not a torch checkpoint (no zip archive)");
  }
  io::ZipReader zip(kLoad, path);
  const std::string prefix = archive_prefix(zip);
  if (zip.has(prefix + "constants.pkl")) zip.fail("a TorchScript archive (torch.jit.save), which ramp does not read");
  if (!zip.has(prefix + "data.pkl")) zip.fail("the archive has no '", prefix, "data.pkl'");
  Unpickler u(zip, prefix, zip.read(prefix + "data.pkl"));
  return f(u.run(), u);
}

}  // namespace

NamedTensors load_pt(const std::string& path) {
  return with_pickle(path, [](const Value& v, const Unpickler& u) {
    if (v.kind != Value::Dict) u.fail("holds a ", kind_name(v.kind), ", not a state dict ({name: tensor})");
    NamedTensors out;
    std::unordered_map<std::string, std::size_t> index;
    const auto& items = v.node->items;
    for (std::size_t k = 0; k < items.size(); k += 2) {
      if (items[k].kind != Value::Str) u.fail("a state dict key is a ", kind_name(items[k].kind), ", not a str");
      const std::string& name = *items[k].s;
      if (items[k + 1].kind != Value::TensorV)
        u.fail("'", name, "' is a ", kind_name(items[k + 1].kind), ", not a tensor (", kLoad,
               " reads state dicts: {name: tensor})");
      // a dict literal may repeat a key: the last value wins, as in Python
      const auto [at, fresh] = index.emplace(name, out.size());
      if (fresh)
        out.emplace_back(name, items[k + 1].t);
      else
        out[at->second].second = items[k + 1].t;
    }
    return out;
  });
}

Tensor load_pt_tensor(const std::string& path) {
  return with_pickle(path, [](const Value& v, const Unpickler& u) {
    if (v.kind != Value::TensorV) u.fail("holds a ", kind_name(v.kind), ", not a tensor");
    return v.t;
  });
}

}  // namespace ramp
