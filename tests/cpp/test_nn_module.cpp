// nn::Module, containers, layers' construction and reprs, init. Oracles: PyTorch 1.13's printed
// reprs and messages (reference file, sections 2 and 7, and torch run by hand), and the init
// formulas of torch/nn/init.py evaluated here in double.
#include <gtest/gtest.h>

#include <cmath>

#include "ramp/keras.h"
#include "ramp/nn.h"

using namespace ramp;

namespace {

struct SimpleCNN : nn::Module {
  std::shared_ptr<nn::Conv2d> conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(3, 32, 3, nn::Conv2dOptions{.padding = 1}));
  std::shared_ptr<nn::ReLU> relu1 = register_module("relu1", std::make_shared<nn::ReLU>());
  std::shared_ptr<nn::Conv2d> conv2 = register_module("conv2", std::make_shared<nn::Conv2d>(32, 64, 3, nn::Conv2dOptions{.padding = 1}));
  std::shared_ptr<nn::ReLU> relu2 = register_module("relu2", std::make_shared<nn::ReLU>());
  std::shared_ptr<nn::MaxPool2d> pool = register_module("pool", std::make_shared<nn::MaxPool2d>(2));
};

struct Net : nn::Module {
  std::shared_ptr<nn::Sequential> body = register_module(
      "body", std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(2, 3), std::make_shared<nn::ReLU>()));
  std::shared_ptr<nn::ModuleList> acts =
      register_module("acts", std::make_shared<nn::ModuleList>(std::make_shared<nn::ReLU>(), std::make_shared<nn::Tanh>()));
  std::shared_ptr<nn::Linear> head = register_module("head", std::make_shared<nn::Linear>(3, 1));
  Tensor& scale = register_buffer("scale", ones({1}));
};

struct Empty : nn::Module {};

std::vector<std::string> keys(const nn::NamedTensors& v) {
  std::vector<std::string> k;
  for (const auto& [name, t] : v) k.push_back(name);
  return k;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(NnModule, ReprsAsPyTorchPrintsThem) {
  EXPECT_EQ(SimpleCNN().repr(),
            "SimpleCNN(\n"
            "  (conv1): Conv2d(3, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
            "  (relu1): ReLU()\n"
            "  (conv2): Conv2d(32, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
            "  (relu2): ReLU()\n"
            "  (pool): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
            ")");
  EXPECT_EQ(Net().repr(),
            "Net(\n"
            "  (body): Sequential(\n"
            "    (0): Linear(in_features=2, out_features=3, bias=True)\n"
            "    (1): ReLU()\n"
            "  )\n"
            "  (acts): ModuleList(\n"
            "    (0): ReLU()\n"
            "    (1): Tanh()\n"
            "  )\n"
            "  (head): Linear(in_features=3, out_features=1, bias=True)\n"
            ")");
  nn::Sequential named({{"fc1", std::make_shared<nn::Linear>(4, 4)}, {"act", std::make_shared<nn::ReLU>()}});
  EXPECT_EQ(named.repr(), "Sequential(\n  (fc1): Linear(in_features=4, out_features=4, bias=True)\n  (act): ReLU()\n)");
  EXPECT_EQ(nn::Sequential().repr(), "Sequential()");
  EXPECT_EQ(Empty().repr(), "Empty()");
  EXPECT_EQ(nn::Linear(4, 2, false).repr(), "Linear(in_features=4, out_features=2, bias=False)");
  EXPECT_EQ(nn::Conv2d(3, 8, 3).repr(), "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))");
  EXPECT_EQ(nn::Conv2d(4, 8, {3, 5}, {.stride = 2, .padding = {1, 2}, .dilation = 2, .groups = 2, .bias = false}).repr(),
            "Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), dilation=(2, 2), groups=2, bias=False)");
  EXPECT_EQ(nn::Conv2d(3, 8, 3, {.padding = "same"}).repr(), "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=same)");
  EXPECT_EQ(nn::BatchNorm2d(8).repr(), "BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  EXPECT_EQ(nn::BatchNorm1d(4, {.momentum = std::nullopt, .affine = false}).repr(),
            "BatchNorm1d(4, eps=1e-05, momentum=None, affine=False, track_running_stats=True)");
  EXPECT_EQ(nn::Dropout().repr(), "Dropout(p=0.5, inplace=False)");
  EXPECT_EQ(nn::Dropout(1, true).repr(), "Dropout(p=1, inplace=True)");
  EXPECT_EQ(nn::MaxPool2d({2, 3}, {.stride = 1}).repr(),
            "MaxPool2d(kernel_size=(2, 3), stride=1, padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(nn::AvgPool2d(2).repr(), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
  EXPECT_EQ(nn::AdaptiveAvgPool2d({1, 1}).repr(), "AdaptiveAvgPool2d(output_size=(1, 1))");
  EXPECT_EQ(nn::Flatten().repr(), "Flatten(start_dim=1, end_dim=-1)");
  EXPECT_EQ(nn::Identity().repr(), "Identity()");
}

TEST(NnModule, NamesAndOrderOfParametersBuffersStateDict) {
  Net net;
  EXPECT_EQ(keys(net.named_parameters()),
            (std::vector<std::string>{"body.0.weight", "body.0.bias", "head.weight", "head.bias"}));
  EXPECT_EQ(keys(net.named_parameters(false)), std::vector<std::string>{});
  EXPECT_EQ(keys(net.state_dict()),
            (std::vector<std::string>{"scale", "body.0.weight", "body.0.bias", "head.weight", "head.bias"}));
  std::vector<std::string> mods;
  for (auto& [name, m] : net.named_modules()) mods.push_back(name + ":" + m->name());
  EXPECT_EQ(mods, (std::vector<std::string>{":Net", "body:Sequential", "body.0:Linear", "body.1:ReLU", "acts:ModuleList",
                                            "acts.0:ReLU", "acts.1:Tanh", "head:Linear"}));
  EXPECT_EQ(net.children().size(), 3u);
  nn::BatchNorm2d bn(3);
  EXPECT_EQ(keys(bn.state_dict()),
            (std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_EQ(keys(bn.named_buffers()), (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_EQ(bn.num_batches_tracked.dtype(), ScalarType::Int64);
  EXPECT_EQ(keys(nn::Linear(2, 2, false).state_dict()), std::vector<std::string>{"weight"});
  nn::PReLU prelu({.num_parameters = 3});
  EXPECT_EQ(keys(prelu.state_dict()), std::vector<std::string>{"weight"});
  // A module shared by two parents is listed once.
  auto shared = std::make_shared<nn::Linear>(2, 2);
  nn::Sequential twice{shared, shared};
  EXPECT_EQ(twice.parameters().size(), 2u);
}

TEST(NnModule, LoadStateDictCopiesAndReportsPyTorchsMessages) {
  Net a, b;
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(b.head->weight.to_vector(), a.head->weight.to_vector());
  EXPECT_FALSE(b.head->weight.is_same(a.head->weight));  // copied, not shared
  auto sd = a.state_dict();
  sd.erase(sd.begin() + 1);  // body.0.weight
  sd.emplace_back("extra", zeros({1}));
  sd.emplace_back("head.foo", zeros({1}));
  EXPECT_EQ(error_of([&] { b.load_state_dict(sd); }),
            "Error(s) in loading state_dict for Net:\n"
            "\tMissing key(s) in state_dict: \"body.0.weight\". \n"
            "\tUnexpected key(s) in state_dict: \"extra\", \"head.foo\". ");
  auto r = b.load_state_dict(sd, false);
  EXPECT_EQ(r.missing_keys, std::vector<std::string>{"body.0.weight"});
  EXPECT_EQ(r.unexpected_keys, (std::vector<std::string>{"extra", "head.foo"}));
  nn::Linear small(2, 3), big(3, 3);
  EXPECT_EQ(error_of([&] { big.load_state_dict(small.state_dict()); }),
            "Error(s) in loading state_dict for Linear:\n"
            "\tsize mismatch for weight: copying a param with shape ramp.Size([3, 2]) from checkpoint, the shape in "
            "current model is ramp.Size([3, 3]).");
}

TEST(NnModule, TrainEvalZeroGradToApplyHooks) {
  Net net;
  net.eval();
  for (auto* m : net.modules()) EXPECT_FALSE(m->is_training());
  net.train();
  for (auto* m : net.modules()) EXPECT_TRUE(m->is_training());

  Tensor w = net.head->weight;
  Tensor y = net.head->forward(ones({5, 3})).sum();
  y.backward();
  ASSERT_TRUE(w.grad().defined());
  Tensor g = w.grad();
  net.zero_grad();
  EXPECT_TRUE(w.grad().is_same(g));  // 1.13: zeroed in place
  EXPECT_EQ(g.to_vector(), std::vector<double>(3, 0.0));
  net.zero_grad(true);
  EXPECT_FALSE(w.grad().defined());

  net.to(ScalarType::Float64);
  EXPECT_EQ(net.head->weight.dtype(), ScalarType::Float64);
  EXPECT_TRUE(net.head->weight.is_same(w));  // the same tensor: optimizers keep working
  EXPECT_TRUE(w.requires_grad());
  EXPECT_EQ(net.state_dict()[0].second.dtype(), ScalarType::Float64);  // the buffer too
  EXPECT_THROW(net.to(ScalarType::Int64), TypeError);

  std::vector<std::string> order;
  net.apply([&](nn::Module& m) { order.push_back(m.name()); });
  EXPECT_EQ(order, (std::vector<std::string>{"Linear", "ReLU", "Sequential", "ReLU", "Tanh", "ModuleList", "Linear", "Net"}));

  nn::ReLU relu;
  int calls = 0;
  int pre = relu.register_forward_pre_hook([&](nn::Module&, const Tensor& x) -> std::optional<Tensor> {
    ++calls;
    return x.neg();
  });
  int post = relu.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& out) -> std::optional<Tensor> {
    ++calls;
    return out.mul(2);
  });
  EXPECT_EQ(relu(tensor({-1.0, 2.0})).to_vector(), (std::vector<double>{2, 0}));
  EXPECT_EQ(calls, 2);
  relu.remove_hook(pre);
  relu.remove_hook(post);
  EXPECT_EQ(relu(tensor({-1.0, 2.0})).to_vector(), (std::vector<double>{0, 2}));
  EXPECT_EQ(calls, 2);
}

TEST(NnModule, ErrorsNameTheProblem) {
  EXPECT_EQ(error_of([] { Empty().forward(ones({1})); }), "Module [Empty] is missing the required \"forward\" function");
  Empty e;
  EXPECT_THROW(e.register_parameter("a.b", ones({1})), TypeError);
  e.register_buffer("x", ones({1}));
  EXPECT_THROW(e.register_parameter("x", ones({1})), Error);
  EXPECT_THROW(nn::Conv2d(3, 8, 3, {.groups = 2}), ValueError);
  EXPECT_EQ(error_of([] { nn::Conv2d(3, 8, 3, {.stride = 2, .padding = "same"}); }),
            "padding='same' is not supported for strided convolutions");
  EXPECT_EQ(error_of([] { nn::Conv2d(3, 8, 3, {.padding = "full"}); }),
            "Invalid padding string 'full', should be one of {'valid', 'same'}");
  EXPECT_EQ(error_of([] { nn::Dropout(1.5); }), "dropout probability has to be between 0 and 1, but got 1.5");
  nn::Sequential s{std::make_shared<nn::ReLU>()};
  EXPECT_EQ(error_of([&] { s[1]; }), "index 1 is out of range");
  EXPECT_EQ(s[-1]->name(), "ReLU");
  EXPECT_EQ(error_of([] { nn::BatchNorm2d(3).forward(ones({2, 3})); }), "expected 4D input (got 2D input)");
  EXPECT_EQ(error_of([] { nn::BatchNorm1d(3).forward(ones({2, 3, 4, 5})); }), "expected 2D or 3D input (got 4D input)");
}

TEST(NnModule, ModuleListInsertRenumbers) {
  nn::ModuleList l{std::make_shared<nn::ReLU>(), std::make_shared<nn::Tanh>()};
  l.insert(1, std::make_shared<nn::Sigmoid>());
  l.push_back(std::make_shared<nn::ELU>());
  EXPECT_EQ(l.repr(), "ModuleList(\n  (0): ReLU()\n  (1): Sigmoid()\n  (2): Tanh()\n  (3): ELU(alpha=1.0)\n)");
}

TEST(NnInit, GainsAndFansAsTorch) {
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("leaky_relu"), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("tanh"), 5.0 / 3);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("conv2d"), 1.0);
  EXPECT_THROW(nn::init::calculate_gain("softsign"), ValueError);
  auto [in, out] = nn::init::calculate_fan_in_and_fan_out(empty({32, 3, 5, 5}));
  EXPECT_EQ(in, 75);
  EXPECT_EQ(out, 800);
  Tensor v = empty({3});
  EXPECT_THROW(nn::init::kaiming_uniform_(v), ValueError);
}

// Moments of each initialiser over 256k draws against the distribution it promises: uniform
// bounds b have mean 0, std b / sqrt(3), all |x| <= b; normals have the stated std.
TEST(NnInit, DistributionsMatchTheirFormulas) {
  manual_seed(7);
  auto moments = [](const Tensor& t) {
    auto v = t.to_vector();
    double m = 0, s = 0, mx = 0;
    for (double x : v) m += x, mx = std::max(mx, std::abs(x));
    m /= double(v.size());
    for (double x : v) s += (x - m) * (x - m);
    return std::tuple{m, std::sqrt(s / double(v.size())), mx};
  };
  Tensor w = empty({512, 512});  // fan 512
  struct Case {
    std::function<void(Tensor&)> init;
    double std;
    double bound;  // 0: unbounded
  };
  double he = std::sqrt(2.0) / std::sqrt(512.0);
  std::vector<Case> cases = {
      {[](Tensor& t) { nn::init::kaiming_uniform_(t, 0, "fan_in", "relu"); }, he, std::sqrt(3.0) * he},
      {[](Tensor& t) { nn::init::kaiming_normal_(t, 0, "fan_out", "relu"); }, he, 0},
      {[](Tensor& t) { nn::init::kaiming_uniform_(t, std::sqrt(5.0)); }, 1 / std::sqrt(3.0 * 512), 1 / std::sqrt(512.0)},
      {[](Tensor& t) { nn::init::xavier_uniform_(t); }, std::sqrt(2.0 / 1024), std::sqrt(6.0 / 1024)},
      {[](Tensor& t) { nn::init::xavier_normal_(t, 2); }, 2 * std::sqrt(2.0 / 1024), 0},
      {[](Tensor& t) { nn::init::normal_(t, 0, 0.02); }, 0.02, 0},
  };
  for (auto& c : cases) {
    c.init(w);
    auto [m, s, mx] = moments(w);
    EXPECT_NEAR(m, 0, 5 * c.std / 512);  // 5 standard errors
    EXPECT_NEAR(s, c.std, 0.01 * c.std);
    if (c.bound > 0) {
      EXPECT_LE(mx, c.bound);
      EXPECT_GT(mx, 0.99 * c.bound);
    }
  }
  nn::init::constant_(w, 0.5);
  EXPECT_EQ(std::get<0>(moments(w)), 0.5);
  // Default Linear init: bias within +-1/sqrt(fan_in).
  nn::Linear lin(100, 4000);
  auto [bm, bs, bmax] = moments(lin.bias);
  EXPECT_LE(bmax, 0.1);
  EXPECT_NEAR(bs, 0.1 / std::sqrt(3.0), 0.005);
  EXPECT_FALSE(w.requires_grad());
  EXPECT_TRUE(lin.weight.requires_grad());
  EXPECT_TRUE(lin.weight.is_leaf());
}

// ---- review fixes; each expectation is what torch 1.13 prints or does on the same module ----

namespace {
struct MultiLine : nn::Module {
  std::string extra;
  explicit MultiLine(std::string e) : extra(std::move(e)) {}
  std::string extra_repr() const override { return extra; }
};

template <class T> struct Outer {
  struct Inner : nn::Module {};
};
template <class T> struct Generic : nn::Module {};
}  // namespace

TEST(NnModule, ReprOfNullChildrenAndMultiLineExtraRepr) {
  Empty e;
  e.register_module<nn::Module>("a", nullptr);
  e.register_module("b", std::make_shared<nn::ReLU>());
  EXPECT_EQ(e.repr(), "Empty(\n  (a): None\n  (b): ReLU()\n)");
  EXPECT_EQ(MultiLine("a=1\nb=2").repr(), "MultiLine(\n  a=1\n  b=2\n)");
  EXPECT_EQ(MultiLine("a=1\n").repr(), "MultiLine(\n  a=1\n  \n)");
  MultiLine outer("a=1\nb=2");
  outer.register_module("x", std::make_shared<MultiLine>("a=1\nb=2"));
  EXPECT_EQ(outer.repr(), "MultiLine(\n  a=1\n  b=2\n  (x): MultiLine(\n    a=1\n    b=2\n  )\n)");
  MultiLine one("a=1");
  one.register_module("c", std::make_shared<nn::ReLU>());
  EXPECT_EQ(one.repr(), "MultiLine(\n  a=1\n  (c): ReLU()\n)");
  // A null child is skipped by every traversal, and Sequential refuses to call it.
  EXPECT_EQ(e.children().size(), 1u);
  EXPECT_EQ(e.named_children().at(0).first, "b");
  EXPECT_EQ(e.modules().size(), 2u);
  nn::Sequential s{std::make_shared<nn::ReLU>()};
  s.push_back(nullptr);
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.repr(), "Sequential(\n  (0): ReLU()\n  (1): None\n)");
  EXPECT_THROW(s(ones({1})), TypeError);
}

TEST(NnModule, NameIsTheLastComponentOfTheDemangledClass) {
  struct Local : nn::Module {};
  EXPECT_EQ(Local().name(), "Local");  // "NnModule_..._Test::TestBody()::Local"
  EXPECT_EQ(Outer<nn::Linear>::Inner().name(), "Inner");
  EXPECT_EQ(Generic<std::vector<int>>().name(), "Generic");
  EXPECT_EQ(Empty().name(), "Empty");  // "(anonymous namespace)::Empty"
  auto in_lambda = [] {
    struct InLambda : nn::Module {};
    return InLambda().name();
  };
  EXPECT_EQ(in_lambda(), "InLambda");
}

TEST(NnModule, RegistrationRulesAsPyTorch) {
  Empty e;
  EXPECT_EQ(error_of([&] { e.register_parameter("a.b", {}); }), "parameter name can't contain \".\"");
  EXPECT_EQ(error_of([&] { e.register_parameter("", {}); }), "parameter name can't be empty string \"\"");
  EXPECT_EQ(error_of([&] { e.register_buffer("a.b", {}); }), "buffer name can't contain \".\"");
  EXPECT_EQ(error_of([&] { e.register_module<nn::Module>("a.b", nullptr); }), "module name can't contain \".\", got: a.b");
  e.register_buffer("x", ones({1}));
  EXPECT_EQ(error_of([&] { e.register_module<nn::Module>("x", nullptr); }), "attribute 'x' already exists");
  e.register_module<nn::Module>("c", nullptr);  // a null child still holds its name
  EXPECT_EQ(error_of([&] { e.register_buffer("c", {}); }), "attribute 'c' already exists");
  // A computed tensor would never get a .grad: refused with 1.13's ValueError.
  Tensor a = ones({2}).requires_grad_();
  EXPECT_EQ(error_of([&] { e.register_parameter("p", a.mul(2)); }),
            "Cannot assign non-leaf Tensor to parameter 'p'. Model parameters must be created explicitly. To express "
            "'p' as a function of another Tensor, compute the value in the forward() method.");
  // Re-registering a buffer changes whether it is persistent.
  e.register_buffer("x", ones({1}), false);
  EXPECT_EQ(keys(e.state_dict()), std::vector<std::string>{});
  e.register_buffer("x", ones({1}), true);
  EXPECT_EQ(keys(e.state_dict()), std::vector<std::string>{"x"});
  // A cycle would recurse without end in repr and state_dict: refused.
  auto outer = std::make_shared<nn::Sequential>();
  auto inner = std::make_shared<nn::Sequential>();
  outer->push_back(inner);
  EXPECT_EQ(error_of([&] { inner->push_back(outer); }),
            "cannot register module '0': it contains this Sequential, which would make a cycle");
  EXPECT_THROW(outer->push_back(outer), Error);
  // References handed out stay valid however many slots follow.
  Tensor& first = e.register_parameter("w0", ones({1}));
  for (int i = 1; i < 64; ++i) e.register_parameter("w" + std::to_string(i), ones({1}));
  first = full({1}, 5.0).requires_grad_();
  EXPECT_EQ(e.find_parameter("w0")->item<double>(), 5.0);
}

TEST(NnModule, LoadStateDictUnexpectedKeysFollowPyTorchsRule) {
  Net a, b;
  nn::NamedTensors sd = {{"head.foo", zeros({1})}, {"extra", zeros({1})}, {"head", zeros({1})},
                         {"head.weight.x", zeros({1})}, {"body.5.weight", zeros({1})}, {"scale.y", zeros({1})}};
  for (auto& kv : a.state_dict()) sd.push_back(kv);
  // torch: the root's keys first, then each child's; "head", "head.weight.x", "scale.y" ignored.
  auto r = b.load_state_dict(sd, false);
  EXPECT_EQ(r.unexpected_keys, (std::vector<std::string>{"extra", "body.5.weight", "head.foo"}));
  EXPECT_EQ(r.missing_keys, std::vector<std::string>{});
  EXPECT_EQ(error_of([&] { b.load_state_dict(sd); }),
            "Error(s) in loading state_dict for Net:\n"
            "\tUnexpected key(s) in state_dict: \"extra\", \"body.5.weight\", \"head.foo\". ");
  nn::NamedTensors partial;
  for (auto& kv : a.state_dict()) {
    if (kv.first != "scale" && kv.first != "body.0.bias") partial.push_back(kv);
  }
  EXPECT_EQ(b.load_state_dict(partial, false).missing_keys, (std::vector<std::string>{"scale", "body.0.bias"}));
  // A key under a null child is not unexpected (1.13 finds the name among its modules).
  Empty e;
  e.register_module<nn::Module>("c", nullptr);
  EXPECT_EQ(e.load_state_dict({{"c.weight", ones({1})}}).unexpected_keys, std::vector<std::string>{});
  // Non-persistent buffers are not loaded: their key is unexpected.
  Empty np;
  np.register_buffer("b", ones({1}), false);
  EXPECT_EQ(error_of([&] { np.load_state_dict({{"b", ones({1})}}); }),
            "Error(s) in loading state_dict for Empty:\n\tUnexpected key(s) in state_dict: \"b\". ");
  EXPECT_THROW(np.load_state_dict({{"z", ones({1})}, {"z", ones({1})}}), Error);  // keys are unique
  EXPECT_THROW(b.load_state_dict({{"head.weight", Tensor{}}}, false), Error);     // not a crash
}

TEST(NnModule, LoadStateDictConvertsAndUpgradesAsPyTorch) {
  // dtype converted on copy.
  nn::Linear l(2, 2);
  nn::NamedTensors sd;
  for (auto& [k, v] : l.state_dict()) sd.emplace_back(k, v.to(ScalarType::Float64).add(1.0));
  Tensor before = l.weight.detach().clone();
  l.load_state_dict(sd);
  EXPECT_EQ(l.weight.dtype(), ScalarType::Float32);
  EXPECT_EQ(l.weight.to_vector(), before.add(1.0).to_vector());
  // BatchNorm without num_batches_tracked: loaded as 0, not missing.
  nn::BatchNorm1d bn(3);
  bn.num_batches_tracked.fill_(5);
  nn::NamedTensors bsd;
  for (auto& kv : bn.state_dict()) {
    if (kv.first != "num_batches_tracked") bsd.push_back(kv);
  }
  auto r = bn.load_state_dict(bsd);
  EXPECT_TRUE(r.missing_keys.empty());
  EXPECT_EQ(bn.num_batches_tracked.item<std::int64_t>(), 0);
  // A 0-dim entry from a 1-dim checkpoint takes element 0; an empty one raises IndexError.
  Empty z;
  z.register_parameter("p", scalar_tensor(1.0, ScalarType::Float32));
  z.load_state_dict({{"p", tensor({3.0, 4.0})}});
  EXPECT_EQ(z.find_parameter("p")->item<double>(), 3.0);
  EXPECT_THROW(z.load_state_dict({{"p", zeros({0})}}), IndexError);
}

TEST(NnModule, ApplyZeroGradToKeepPyTorchsIdentities) {
  auto relu = std::make_shared<nn::ReLU>();
  nn::Sequential twice{relu, relu};
  std::vector<std::string> order;
  twice.apply([&](nn::Module& m) { order.push_back(m.name()); });
  EXPECT_EQ(order, (std::vector<std::string>{"ReLU", "Sequential"}));

  nn::Linear l(2, 2);
  Tensor g = ones({2, 2}).requires_grad_();
  l.weight.set_grad(g);
  l.zero_grad();
  EXPECT_TRUE(l.weight.grad().is_same(g));
  EXPECT_FALSE(g.requires_grad());
  EXPECT_EQ(g.to_vector(), std::vector<double>(4, 0.0));
  Tensor x = ones({2, 2}).requires_grad_();
  Tensor g2 = x.mul(2);
  l.weight.set_grad(g2);
  l.zero_grad();
  EXPECT_TRUE(l.weight.grad().is_same(g2));
  EXPECT_EQ(g2.grad_fn(), nullptr);

  // to(): parameters and their grads keep their identity, buffers are replaced; a backward
  // afterwards accumulates in the new dtype into the same grad tensor.
  nn::BatchNorm1d bn(2);
  Tensor rm = bn.running_mean;
  l.weight.set_grad({});
  l(ones({1, 2})).sum().backward();
  Tensor w = l.weight, wg = l.weight.grad();
  l.to(ScalarType::Float64);
  bn.to(ScalarType::Float64);
  EXPECT_TRUE(l.weight.is_same(w));
  EXPECT_TRUE(l.weight.grad().is_same(wg));
  EXPECT_EQ(wg.dtype(), ScalarType::Float64);
  EXPECT_FALSE(bn.running_mean.is_same(rm));
  EXPECT_EQ(rm.dtype(), ScalarType::Float32);
  EXPECT_EQ(bn.running_mean.dtype(), ScalarType::Float64);
  EXPECT_EQ(bn.num_batches_tracked.dtype(), ScalarType::Int64);
  l(ones({1, 2}, ScalarType::Float64)).sum().backward();
  EXPECT_TRUE(l.weight.grad().is_same(wg));
  EXPECT_EQ(wg.to_vector(), std::vector<double>(4, 2.0));
  EXPECT_EQ(error_of([&] { l.to(ScalarType::Int64); }),
            "nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=ramp.int64");
}

TEST(NnModule, HooksChangedDuringACallFollowPyTorch) {
  // torch snapshots the pre-hooks before running them and the hooks after forward: a pre-hook
  // removing a later pre-hook does not stop it this call; a hook it adds runs this call.
  nn::ReLU relu;
  std::vector<std::string> calls;
  int b = -1;
  relu.register_forward_pre_hook([&](nn::Module& m, const Tensor&) -> std::optional<Tensor> {
    calls.push_back("a");
    m.remove_hook(b);
    m.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor&) -> std::optional<Tensor> {
      calls.push_back("late");
      return std::nullopt;
    });
    return std::nullopt;
  });
  b = relu.register_forward_pre_hook([&](nn::Module&, const Tensor&) -> std::optional<Tensor> {
    calls.push_back("b");
    return std::nullopt;
  });
  relu(ones({1}));
  EXPECT_EQ(calls, (std::vector<std::string>{"a", "b", "late"}));
  calls.clear();
  relu(ones({1}));
  EXPECT_EQ(calls, (std::vector<std::string>{"a", "late", "late"}));
}

// Keras's Sequential over ramp's modules (seed 003). Oracles: Keras's documented behaviour
// (glorot_uniform weights with limit sqrt(6 / (fan_in + fan_out)), zero biases, softmax over the
// last axis, "Total params: 50,890") and the forward recomputed here in double.
TEST(NnKeras, DenseActivationAndSummary) {
  manual_seed(11);
  keras::Sequential model{keras::Dense(64, "relu", 784), keras::Dense(10, "softmax")};
  EXPECT_EQ(model.repr(),
            "Sequential(\n"
            "  (0): Linear(in_features=784, out_features=64, bias=True)\n"
            "  (1): ReLU()\n"
            "  (2): Linear(in_features=64, out_features=10, bias=True)\n"
            "  (3): Softmax(dim=-1)\n"
            ")");
  auto first = std::dynamic_pointer_cast<nn::Linear>(model[0]);
  auto second = std::dynamic_pointer_cast<nn::Linear>(model[2]);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->bias.to_vector(), std::vector<double>(64, 0.0));
  double limit = std::sqrt(6.0 / (784 + 64)), mx = 0, sq = 0;
  for (double w : first->weight.to_vector()) mx = std::max(mx, std::abs(w)), sq += w * w;
  EXPECT_LE(mx, limit);
  EXPECT_GT(mx, 0.99 * limit);
  EXPECT_NEAR(std::sqrt(sq / (784.0 * 64)), limit / std::sqrt(3.0), 0.02 * limit);

  // forward = softmax(relu(x W1^T + b1) W2^T + b2), in double; biases made non-zero first.
  nn::init::uniform_(first->bias, -0.5, 0.5);
  nn::init::uniform_(second->bias, -0.5, 0.5);
  Tensor x = randn({2, 784});
  std::vector<double> xv = x.to_vector(), w1 = first->weight.to_vector(), b1 = first->bias.to_vector(),
                      w2 = second->weight.to_vector(), b2 = second->bias.to_vector(), y = model(x).to_vector();
  for (std::size_t n = 0; n < 2; ++n) {
    std::vector<double> h(64), z(10);
    for (std::size_t o = 0; o < 64; ++o) {
      double acc = b1[o];
      for (std::size_t i = 0; i < 784; ++i) acc += xv[n * 784 + i] * w1[o * 784 + i];
      h[o] = std::max(acc, 0.0);
    }
    double total = 0;
    for (std::size_t o = 0; o < 10; ++o) {
      z[o] = b2[o];
      for (std::size_t i = 0; i < 64; ++i) z[o] += h[i] * w2[o * 64 + i];
      total += std::exp(z[o]);
    }
    for (std::size_t o = 0; o < 10; ++o) EXPECT_NEAR(y[n * 10 + o], std::exp(z[o]) / total, 1e-5);
  }

  EXPECT_EQ(model.summary(),
            "Model: \"sequential\"\n"
            "_________________________________________________________________\n"
            " Layer (type)                Output Shape              Param #\n"
            "=================================================================\n"
            " 0 (Linear)                  (None, 64)                50240\n"
            " 1 (ReLU)                    (None, 64)                0\n"
            " 2 (Linear)                  (None, 10)                650\n"
            " 3 (Softmax)                 (None, 10)                0\n"
            "=================================================================\n"
            "Total params: 50,890\n"
            "Trainable params: 50,890\n"
            "Non-trainable params: 0\n"
            "_________________________________________________________________\n");
}

TEST(NnKeras, ActivationNamesAndErrors) {
  keras::Sequential m{keras::Dense(4, "", 3), keras::Activation("swish"), keras::Activation("LeakyReLU"),
                      keras::Dense(2, "linear", std::nullopt, false), keras::Activation("gelu")};
  std::vector<std::string> names;
  for (auto& [key, child] : m.named_children()) names.push_back(child->name());
  EXPECT_EQ(names, (std::vector<std::string>{"Linear", "SiLU", "LeakyReLU", "Linear", "GELU"}));
  EXPECT_EQ(m[3]->repr(), "Linear(in_features=4, out_features=2, bias=False)");
  EXPECT_EQ(keras::activation_module("softmax")->repr(), "Softmax(dim=-1)");
  EXPECT_EQ(keras::activation_module("linear"), nullptr);
  EXPECT_EQ(error_of([] { keras::Sequential{keras::Dense(4, "relu")}; }),
            "Dense: the first layer needs its input size (input_dim, Keras's input_shape=(n,))");
  EXPECT_EQ(error_of([] { keras::Sequential{keras::Dense(4, "relu", 3), keras::Dense(2, "", 5)}; }),
            "Dense: input_dim=5 does not match the 4 features of the layer before it");
  keras::Sequential same{keras::Dense(4, "relu", 3), keras::Dense(2, "", 4)};  // agreeing: accepted
  EXPECT_EQ(same.size(), 3u);
  EXPECT_EQ(error_of([] { keras::activation_module("foo"); }), "Unknown activation function: 'foo'");
  EXPECT_THROW(keras::Sequential{keras::Dense(0, "", 3)}, ValueError);
}

TEST(NnInit, ArgumentChecksAsTorch) {
  Tensor w = empty({3, 3});
  EXPECT_EQ(error_of([&] { nn::init::kaiming_uniform_(w, 0, "fan_avg"); }),
            "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']");
  manual_seed(3);
  nn::init::kaiming_uniform_(w, 0, "FAN_OUT", "relu");  // 1.13 lower-cases the mode
  for (double v : w.to_vector()) EXPECT_LE(std::abs(v), std::sqrt(3.0) * std::sqrt(2.0 / 3));
  EXPECT_EQ(error_of([&] { nn::init::uniform_(w, 1.5, 0.25); }),
            "uniform_ expects to return a [from, to) range, but found from=1.5 > to=0.25");
  EXPECT_EQ(error_of([&] { nn::init::normal_(w, 0, -0.5); }), "normal expects std >= 0.0, but found std -0.5");
  nn::init::uniform_(w, 1, 1);
  EXPECT_EQ(w.to_vector(), std::vector<double>(9, 1.0));
  Tensor none = empty({0, 3});
  nn::init::kaiming_normal_(none);  // a no-op, as 1.13 (which warns)
  EXPECT_EQ(none.numel(), 0);
}

// Each line printed by torch 1.13 for the same constructor arguments.
TEST(NnModule, LayerReprsForArgumentCombinations) {
  EXPECT_EQ(nn::Conv2d(3, 8, 3, {.padding = "valid"}).repr(),
            "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=valid)");
  EXPECT_EQ(nn::Conv2d(3, 8, {3, 3}, {.stride = {1, 2}, .padding = {0, 0}, .dilation = {1, 1}}).repr(),
            "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 2))");
  EXPECT_EQ(nn::Conv2d(3, 8, 3, {.padding = {0, 1}}).repr(), "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(0, 1))");
  EXPECT_EQ(nn::Conv2d(3, 8, 3, {.dilation = {1, 2}}).repr(), "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), dilation=(1, 2))");
  EXPECT_EQ(nn::MaxPool2d(3, {.padding = 1, .dilation = 2, .ceil_mode = true}).repr(),
            "MaxPool2d(kernel_size=3, stride=3, padding=1, dilation=2, ceil_mode=True)");
  EXPECT_EQ(nn::MaxPool2d({2, 2}, {.stride = nn::IntPair(1, 1), .padding = {0, 1}, .dilation = {1, 1}}).repr(),
            "MaxPool2d(kernel_size=(2, 2), stride=(1, 1), padding=(0, 1), dilation=(1, 1), ceil_mode=False)");
  EXPECT_EQ(nn::AvgPool2d({2, 2}, {.padding = {1, 0}, .ceil_mode = true, .count_include_pad = false, .divisor_override = 3})
                .repr(),
            "AvgPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(1, 0))");
  EXPECT_EQ(nn::AvgPool2d(3, {.stride = 1, .padding = 1}).repr(), "AvgPool2d(kernel_size=3, stride=1, padding=1)");
  EXPECT_EQ(nn::AdaptiveAvgPool2d(7).repr(), "AdaptiveAvgPool2d(output_size=7)");
  EXPECT_EQ(nn::BatchNorm2d(4, {.eps = 1e-3, .momentum = 0.01}).repr(),
            "BatchNorm2d(4, eps=0.001, momentum=0.01, affine=True, track_running_stats=True)");
  EXPECT_EQ(nn::BatchNorm2d(4, {.eps = 0.0001, .momentum = 1e-7, .track_running_stats = false}).repr(),
            "BatchNorm2d(4, eps=0.0001, momentum=1e-07, affine=True, track_running_stats=False)");
  EXPECT_EQ(nn::Dropout(0.0).repr(), "Dropout(p=0.0, inplace=False)");
  EXPECT_EQ(nn::Dropout(0).repr(), "Dropout(p=0, inplace=False)");
}

// zero_grad's zeros are written lazily when no one holds the gradient: what anyone can observe is
// still 1.13's in-place zeroing (oracle: the gradient of a known linear function, by hand).
TEST(NnModule, ZeroGradIsObservablyInPlace) {
  nn::Linear lin(3, 2);
  Tensor x = tensor({{1.0, 2.0, 3.0}});
  auto step = [&] { lin(x).sum().backward(); };
  step();
  step();  // accumulates: each weight row's gradient is 2 * x
  EXPECT_EQ(lin.weight.grad().to_vector(), (std::vector<double>{2, 4, 6, 2, 4, 6}));
  lin.zero_grad();  // nothing else holds the gradient: the zeros are pending
  EXPECT_EQ(lin.weight.grad().to_vector(), std::vector<double>(6, 0.0));  // reading writes them
  lin.zero_grad();
  step();  // backward after a pending zero: the gradient of this pass alone
  EXPECT_EQ(lin.weight.grad().to_vector(), (std::vector<double>{1, 2, 3, 1, 2, 3}));
  Tensor held = lin.weight.grad();
  lin.zero_grad();  // held elsewhere: zeroed at once, the same tensor
  EXPECT_EQ(held.to_vector(), std::vector<double>(6, 0.0));
  step();
  EXPECT_TRUE(lin.weight.grad().is_same(held));
  EXPECT_EQ(held.to_vector(), (std::vector<double>{1, 2, 3, 1, 2, 3}));
  lin.zero_grad();
  lin.weight.set_grad(ones({2, 3}));  // an assigned gradient replaces the pending zeros
  step();
  EXPECT_EQ(lin.weight.grad().to_vector(), (std::vector<double>{2, 3, 4, 2, 3, 4}));
}
