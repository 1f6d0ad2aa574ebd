// include/ramp/pt.h: torch's checkpoint format. Oracles: a file torch 1.13 wrote (embedded below,
// with the code that made it), values and layouts set here, hand-written pickles in which one
// field lies, and "every malformed file raises ramp::Error" over every truncation and many
// corruptions of a valid file and of its pickle (run under ASan too: cmake --preset asan).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "../../src/io/zip.h"
#include "ramp/pt.h"
#include "test_util.h"

namespace ramp {
namespace {

using test::error_of;
using namespace std::string_literals;
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("ramp_pt_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~TempDir() { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}
std::string unhex(const char* h) {
  std::string s;
  for (std::size_t i = 0; h[i] && h[i + 1]; i += 2) s += char(std::stoi(std::string(h + i, 2), nullptr, 16));
  return s;
}
// An archive of the given entries, written with the zip writer save_pt uses.
void write_zip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& entries) {
  io::ZipWriter z("test", path);
  for (const auto& [name, data] : entries) z.add(name, data.data(), data.size());
  z.close();
}
const Tensor& find(const NamedTensors& sd, const std::string& name) {
  for (const auto& [n, t] : sd)
    if (n == name) return t;
  throw Error("no " + name);
}
std::vector<std::int64_t> vec(IntArrayRef a) { return {a.begin(), a.end()}; }

// torch 1.13: b = torch.arange(6, dtype=torch.float32)
//   torch.save(OrderedDict(w=b.reshape(2, 3).t(), tail=b[2:], b=torch.tensor([1, -2**40]),
//              m=torch.tensor([True, False, True]), h=torch.tensor([1.5, -2.25], dtype=torch.bfloat16),
//              s=torch.tensor(7, dtype=torch.int8)), buf)
const char* kTorchFile =
    "504b03040000080800000000000000000000000000000000000010001200617263686976652f646174612e706b6c46420e005a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a800263636f6c6c656374696f6e730a4f726465726564446963740a71002952710128580100000077710263746f72"
    "63682e5f7574696c730a5f72656275696c645f74656e736f725f76320a71032828580700000073746f72616765710463746f7263680a46"
    "6c6f617453746f726167650a71055801000000307106580300000063707571074b06747108514b004b034b028671094b014b0386710a89"
    "68002952710b74710c52710d58040000007461696c710e6803282868046805680668074b0674710f514b024b048571104b018571118968"
    "0029527112747113527114580100000062711568032828680463746f7263680a4c6f6e6753746f726167650a7116580100000031711768"
    "074b02747118514b004b028571194b0185711a8968002952711b74711c52711d58010000006d711e68032828680463746f7263680a426f"
    "6f6c53746f726167650a711f580100000032712068074b03747121514b004b038571224b01857123896800295271247471255271265801"
    "00000068712768032828680463746f7263680a42466c6f6174313653746f726167650a7128580100000033712968074b0274712a514b00"
    "4b0285712b4b0185712c8968002952712d74712e52712f580100000073713068032828680463746f7263680a4368617253746f72616765"
    "0a7131580100000034713268074b01747133514b00292989680029527134747135527136752e504b0708dd7c5c600c0200000c02000050"
    "4b0304000008080000000000000000000000000000000000000e003800617263686976652f646174612f30464234005a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a000000000000803f000000"
    "4000004040000080400000a040504b07081790e7911800000018000000504b030400000808000000000000000000000000000000000000"
    "0e002c00617263686976652f646174612f31464228005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a01000000000000000000000000ffffff504b0708d6fc6d421000000010000000504b0304000008080000000000000000"
    "000000000000000000000e003400617263686976652f646174612f32464230005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a010001504b0708b38384890300000003000000504b030400000808000000"
    "0000000000000000000000000000000e004100617263686976652f646174612f3346423d005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5ac03f10c0504b0708564398a9"
    "0400000004000000504b0304000008080000000000000000000000000000000000000e004000617263686976652f646174612f3446423c"
    "005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a07504b07082e7a664c0100000001000000504b0304000008080000000000000000000000000000000000000f0042006172"
    "63686976652f76657273696f6e46423e005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a330a504b0708d19e67550200000002000000504b0102000000000808000000"
    "000000dd7c5c600c0200000c020000100000000000000000000000000000000000617263686976652f646174612e706b6c504b01020000"
    "000008080000000000001790e79118000000180000000e000000000000000000000000005c020000617263686976652f646174612f3050"
    "4b0102000000000808000000000000d6fc6d4210000000100000000e00000000000000000000000000e8020000617263686976652f6461"
    "74612f31504b0102000000000808000000000000b383848903000000030000000e00000000000000000000000000600300006172636869"
    "76652f646174612f32504b0102000000000808000000000000564398a904000000040000000e00000000000000000000000000d3030000"
    "617263686976652f646174612f33504b01020000000008080000000000002e7a664c01000000010000000e000000000000000000000000"
    "0054040000617263686976652f646174612f34504b0102000000000808000000000000d19e675502000000020000000f00000000000000"
    "000000000000d1040000617263686976652f76657273696f6e504b06062c000000000000001e032d000000000000000000070000000000"
    "00000700000000000000a7010000000000005205000000000000504b060700000000f90600000000000001000000504b05060000000007"
    "000700a7010000520500000000";

TEST(PtFormat, ReadsAStateDictThatTorchWrote) {
  TempDir dir;
  write_bytes(dir.path("t.pt"), unhex(kTorchFile));
  const NamedTensors sd = load_pt(dir.path("t.pt"));
  std::vector<std::string> names;
  for (const auto& [n, t] : sd) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"w", "tail", "b", "m", "h", "s"}));
  const Tensor& w = find(sd, "w");
  EXPECT_EQ(w.dtype(), ScalarType::Float32);
  EXPECT_EQ(vec(w.sizes()), (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(vec(w.strides()), (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(w.to_vector(), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  const Tensor& tail = find(sd, "tail");
  EXPECT_EQ(tail.storage_offset(), 2);
  EXPECT_EQ(tail.storage(), w.storage());  // saved as views of one storage: one storage again
  EXPECT_EQ(tail.to_vector(), (std::vector<double>{2, 3, 4, 5}));
  EXPECT_EQ(find(sd, "b").dtype(), ScalarType::Int64);
  EXPECT_EQ(find(sd, "b")[0].item<std::int64_t>(), 1);
  EXPECT_EQ(find(sd, "b")[1].item<std::int64_t>(), -(std::int64_t(1) << 40));
  EXPECT_EQ(find(sd, "m").dtype(), ScalarType::Bool);
  EXPECT_EQ(find(sd, "m").to_vector(), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(find(sd, "h").dtype(), ScalarType::BFloat16);
  EXPECT_EQ(find(sd, "h").to_vector(), (std::vector<double>{1.5, -2.25}));
  EXPECT_EQ(find(sd, "s").dim(), 0);
  EXPECT_EQ(find(sd, "s").item<int>(), 7);
  EXPECT_NE(error_of([&] { load_pt_tensor(dir.path("t.pt")); }).find("holds a dict, not a tensor"), std::string::npos);
}

TEST(PtFormat, SaveThenLoadKeepsValuesLayoutsAndSharing) {
  TempDir dir;
  const Tensor base = arange(12, ScalarType::Float64).reshape({3, 4});
  NamedTensors sd = {{"base", base}, {"t", base.t()}, {"col", base.select(1, 2)}};
  for (ScalarType t : {ScalarType::Float32, ScalarType::BFloat16, ScalarType::Int64, ScalarType::Int32,
                       ScalarType::UInt8, ScalarType::Int8, ScalarType::Bool})
    sd.emplace_back(std::string("d") + std::to_string(int(t)), arange(5).to(t));
  sd.emplace_back("empty", zeros({0, 3}));
  sd.emplace_back("scalar", full({}, -2.5));
  save_pt(sd, dir.path("m.pth"));
  const NamedTensors back = load_pt(dir.path("m.pth"));
  ASSERT_EQ(back.size(), sd.size());
  for (std::size_t i = 0; i < sd.size(); ++i) {
    EXPECT_EQ(back[i].first, sd[i].first);
    const Tensor &a = sd[i].second, &b = back[i].second;
    EXPECT_EQ(b.dtype(), a.dtype()) << sd[i].first;
    EXPECT_EQ(vec(b.sizes()), vec(a.sizes())) << sd[i].first;
    EXPECT_EQ(vec(b.strides()), vec(a.strides())) << sd[i].first;
    EXPECT_EQ(b.storage_offset(), a.storage_offset()) << sd[i].first;
    EXPECT_EQ(b.to_vector(), a.to_vector()) << sd[i].first;
  }
  EXPECT_EQ(back[0].second.storage(), back[1].second.storage());
  EXPECT_EQ(back[0].second.storage(), back[2].second.storage());
  EXPECT_NE(back[0].second.storage(), back[3].second.storage());
  save_pt({{"x", arange(3)}}, dir.path("x.pt"));
  EXPECT_NE(error_of([&] { load_pt_tensor(dir.path("x.pt")); }), "");
  EXPECT_NE(error_of([&] { save_pt({{"x", arange(3)}}, dir.path("no/such/dir/x.pt")); }).find("No such file or directory"),
            std::string::npos);
}

// A pickle of one tensor (as torch writes it) where any field can lie, and its archive.
std::string ints(std::initializer_list<std::int64_t> v) {
  std::string s = "(";
  for (std::int64_t x : v) {
    s += "\x8a\x08";
    for (int k = 0; k < 8; ++k) s += char(std::uint64_t(x) >> (8 * k) & 0xff);
  }
  return s + "t";
}
std::string str(const std::string& x) {
  std::string s = "X";
  for (int k = 0; k < 4; ++k) s += char(x.size() >> (8 * k) & 0xff);
  return s + x;
}
std::string tensor_pickle(std::int64_t numel, std::int64_t offset, std::initializer_list<std::int64_t> size,
                          std::initializer_list<std::int64_t> stride, const std::string& key = "0") {
  std::string n = ints({numel}), o = ints({offset});
  return "\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n(("s + str("storage") + "ctorch\nFloatStorage\n" +
         str(key) + str("cpu") + n.substr(1, n.size() - 2) + "tQ" + o.substr(1, o.size() - 2) + ints(size) +
         ints(stride) + "\x89" "ccollections\nOrderedDict\n)RtR.";
}

TEST(PtFormat, LyingFilesRaiseNamingTheFileAndTheProblem) {
  TempDir dir;
  const std::string p = dir.path("h.pt");
  auto load = [&](const std::string& pickle, const std::string& storage = std::string(16, '\0')) {
    write_zip(p, {{"a/data.pkl", pickle}, {"a/data/0", storage}, {"a/version", "3\n"}});
    return error_of([&] { load_pt_tensor(p); });
  };
  EXPECT_EQ(load(tensor_pickle(4, 0, {2, 2}, {1, 2})), "");  // the pickle is valid when nothing lies
  const std::int64_t big = std::int64_t(1) << 40;
  const std::pair<std::string, std::string> cases[] = {
      {tensor_pickle(big, 0, {4}, {1}), "needs 4398046511104 bytes but 'a/data/0' holds 16"},
      {tensor_pickle((std::int64_t(1) << 62) + 1, 0, {4}, {1}), "invalid element count"},
      {tensor_pickle(-4, 0, {4}, {1}), "invalid element count -4"},
      {tensor_pickle(4, 0, {5}, {1}), "reads past the end of its storage of 4 elements"},
      {tensor_pickle(4, 4, {1}, {1}), "reads past the end of its storage of 4 elements"},
      {tensor_pickle(4, -1, {1}, {1}), "negative storage offset -1"},
      {tensor_pickle(4, 0, {-1}, {1}), "negative size -1"},
      {tensor_pickle(4, 0, {2}, {-1}), "negative stride -1"},
      {tensor_pickle(4, 0, {big, big}, {big, big}), "overflow"},
      {tensor_pickle(4, 0, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}), "at most 12"},
      {tensor_pickle(4, 0, {4}, {1}, "7"), "no entry 'a/data/7'"},
      {"\x80\x02h\x05."s, "memo entry 5, which it never stored"},
      {"\x80\x02Nr\xff\xff\xff\x7f."s, "holds a None, not a tensor"},  // LONG_BINPUT 2**31: no huge memo
      {"\x80\x02X\xff\xff\xff\x7f" "ab."s, "truncated"},
      {"\x80\x02((("s, "truncated"},
      {"", "truncated"},
      {"\x80\x02" "cos\nsystem\n" "X\x02\x00\x00\x00ls\x85R."s, "names the global 'os.system'"},
      {"\x80\x02" "c__builtin__\neval\n."s, "names the global '__builtin__.eval'"},
  };
  for (const auto& [pickle, problem] : cases) {
    const std::string e = load(pickle);
    EXPECT_NE(e.find("load_pt: " + p + ": "), std::string::npos) << e;
    EXPECT_NE(e.find(problem), std::string::npos) << e;
  }
  EXPECT_NE(load(tensor_pickle(4, 0, {4}, {1}), "\x01\x02").find("needs 16 bytes but 'a/data/0' holds 2"), std::string::npos);
}

TEST(PtFormat, DeepNestingAndCyclesNeitherRecurseNorLeak) {
  TempDir dir;
  const std::string p = dir.path("deep.pt");
  // 10^6 nested lists: a dict's value, so the loader reports it (and frees it without recursing)
  std::string deep = "\x80\x02}X\x01\x00\x00\x00x"s + std::string(1000000, ']') + std::string(999999, 'a') + "s.";
  write_zip(p, {{"a/data.pkl", deep}, {"a/version", "3\n"}});
  EXPECT_NE(error_of([&] { load_pt(p); }).find("'x' is a list, not a tensor"), std::string::npos);
  // a list appended to itself
  write_zip(p, {{"a/data.pkl", "\x80\x02]q\x00h\x00" "a."s}, {"a/version", "3\n"}});
  EXPECT_NE(error_of([&] { load_pt(p); }).find("holds a list"), std::string::npos) << error_of([&] { load_pt(p); });
}

TEST(PtFormat, UnsupportedFilesSayWhy) {
  TempDir dir;
  write_bytes(dir.path("legacy.pt"), "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."s);
  EXPECT_NE(error_of([&] { load_pt(dir.path("legacy.pt")); }).find("a legacy (pre-1.6, non-zip) torch file"),
            std::string::npos);
  write_bytes(dir.path("text.pt"), "hello");
  EXPECT_NE(error_of([&] { load_pt(dir.path("text.pt")); }).find("not a torch checkpoint"), std::string::npos);
  EXPECT_NE(error_of([&] { load_pt(dir.path("missing.pt")); }).find("No such file or directory"), std::string::npos);
  write_zip(dir.path("script.pt"), {{"m/data.pkl", "\x80\x02}."}, {"m/constants.pkl", "\x80\x02)."}});
  EXPECT_NE(error_of([&] { load_pt(dir.path("script.pt")); }).find("TorchScript"), std::string::npos);
  write_zip(dir.path("half.pt"), {{"a/data.pkl", "\x80\x02(X\x07\x00\x00\x00storagectorch\nHalfStorage\n"
                                                             "X\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpuK\x01tQ."s},
                                  {"a/data/0", "ab"}});
  EXPECT_NE(error_of([&] { load_pt(dir.path("half.pt")); }).find("torch.HalfStorage holds a dtype ramp does not have"),
            std::string::npos);
}

// Loads , which may be broken: counts a ramp::Error as raised and a load as loaded, checks
// what loaded lies inside its storage; anything else (another exception, a crash under ASan) fails.
void load_or_raise(const std::string& path, std::size_t& raised, std::size_t& loaded, const std::string& what) {
  try {
    for (const auto& [n, t] : load_pt(path)) t.to_vector();
    ++loaded;
  } catch (const Error&) {
    ++raised;
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": " << e.what();
  }
}

TEST(PtFormat, EveryTruncationAndCorruptionOfAFileRaisesCleanly) {
  TempDir dir;
  const std::string good = unhex(kTorchFile), bad = dir.path("bad.pt");
  std::size_t raised = 0, loaded = 0;
  for (std::size_t len = 0; len < good.size(); ++len) {
    write_bytes(bad, good.substr(0, len));
    load_or_raise(bad, raised, loaded, "truncated to " + std::to_string(len));
  }
  EXPECT_EQ(raised, good.size());
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (char c : {'\0', '\xff'}) {
      if (good[at] == c) continue;
      std::string b = good;
      b[at] = c;
      write_bytes(bad, b);
      load_or_raise(bad, raised, loaded, "byte " + std::to_string(at) + " = " + std::to_string(int(c)));
    }
  }
  EXPECT_GT(raised, good.size() + good.size() / 2);  // the zip's CRCs catch most corruptions
}

// A corrupted pickle inside a zip fails the CRC; here the pickle is corrupted and zipped again.
TEST(PtFormat, EveryCorruptionOfThePickleRaisesCleanly) {
  TempDir dir;
  write_bytes(dir.path("t.pt"), unhex(kTorchFile));
  std::vector<std::pair<std::string, std::string>> entries;
  {
    io::ZipReader z("test", dir.path("t.pt"));
    for (const std::string& n : z.names()) entries.emplace_back(n, z.read(n));
  }
  ASSERT_EQ(entries[0].first, "archive/data.pkl");
  const std::string pickle = entries[0].second, bad = dir.path("bad.pt");
  std::size_t raised = 0, loaded = 0;
  for (std::size_t len = 0; len < pickle.size(); ++len) {
    entries[0].second = pickle.substr(0, len);
    write_zip(bad, entries);
    load_or_raise(bad, raised, loaded, "pickle truncated to " + std::to_string(len));
  }
  EXPECT_EQ(raised, pickle.size());
  for (std::size_t at = 0; at < pickle.size(); ++at) {
    for (char c : {'\0', '\xff', '(', 'h', 'R'}) {
      if (pickle[at] == c) continue;
      entries[0].second = pickle;
      entries[0].second[at] = c;
      write_zip(bad, entries);
      load_or_raise(bad, raised, loaded, "pickle byte " + std::to_string(at) + " = " + std::to_string(int(c)));
    }
  }
  EXPECT_GT(raised, 2 * pickle.size());
  EXPECT_GT(loaded, 0u);  // some corruptions are valid (a changed name, a changed value)
}

}  // namespace
}  // namespace ramp
