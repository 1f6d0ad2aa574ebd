// ramp::Device (parsing as c10::Device, the CPU-only check), ramp::cuda, and the default dtype that
// the floating factories, the int -> float promotions and printing follow. Expected texts and
// dtypes are torch 1.13's (run on the same inputs; see python/tests/test_devices_dtypes.py).
#include <gtest/gtest.h>

#include <unordered_set>

#include "ramp/ops.h"
#include "ramp/tensor.h"
#include "test_util.h"

namespace ramp {
namespace {

using test::error_of;

TEST(DeviceDtype, ParsesTorchDeviceStrings) {
  EXPECT_EQ(Device("cpu").str(), "cpu");
  EXPECT_FALSE(Device("cpu").has_index());
  EXPECT_EQ(Device("cuda:0").str(), "cuda:0");
  EXPECT_EQ(Device("cuda:12").index, 12);
  EXPECT_EQ(Device("cuda").type, DeviceType::CUDA);
  EXPECT_EQ(Device("mps").type_name(), "mps");
  EXPECT_EQ(Device("privateuseone:3").str(), "privateuseone:3");
  EXPECT_TRUE(Device("cpu:1").is_cpu());
  EXPECT_EQ(Device(DeviceType::CUDA, 1), Device("cuda:1"));
  EXPECT_NE(Device("cuda"), Device("cuda:0"));  // as torch: no index is not index 0
  EXPECT_NE(Device("cpu"), Device("cpu:0"));
  std::unordered_set<Device> set{Device("cpu"), Device("cpu"), Device("cuda:0"), Device("cuda")};
  EXPECT_EQ(set.size(), 3u);
}

TEST(DeviceDtype, DeviceStringErrorsAreTorchs) {
  const std::string expected =
      "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, ort, xla, lazy, vulkan, "
      "mps, meta, hpu, privateuseone device type at start of device string: ";
  EXPECT_EQ(error_of([] { Device("gpu"); }), expected + "gpu");
  EXPECT_EQ(error_of([] { Device("CUDA"); }), expected + "CUDA");
  for (const char* bad : {" cpu", "cuda:01", "cuda:0x", "cuda:-1", "cuda:", ":0", "cu da"})
    EXPECT_EQ(error_of([&] { Device{std::string_view(bad)}; }), std::string("Invalid device string: '") + bad + "'")
        << bad;
  EXPECT_EQ(error_of([] { Device(""); }), "Device string must not be empty");
  EXPECT_THROW(Device(DeviceType::CUDA, -2), Error);
}

TEST(DeviceDtype, OnlyTheCpuHoldsTensors) {
  EXPECT_FALSE(cuda::is_available());
  EXPECT_EQ(cuda::device_count(), 0);
  Tensor x = tensor({1.5, -2.0});
  EXPECT_TRUE(x.device().is_cpu());
  EXPECT_EQ(x.device().str(), "cpu");
  EXPECT_TRUE(x.is_cpu());
  EXPECT_FALSE(x.is_cuda());
  EXPECT_TRUE(x.to(Device("cpu")).is_same(x));
  EXPECT_TRUE(x.to("cpu:0").is_same(x));
  EXPECT_FALSE(x.to("cpu", std::nullopt, /*copy=*/true).is_same(x));
  Tensor d = x.to("cpu", ScalarType::Float64);
  EXPECT_EQ(d.dtype(), ScalarType::Float64);
  EXPECT_EQ(d.to_vector(), (std::vector<double>{1.5, -2.0}));
  EXPECT_THROW(x.to("cuda"), NotCompiledError);
  EXPECT_THROW(x.to(Device(DeviceType::CUDA, 0), ScalarType::Float64), NotCompiledError);
  EXPECT_NE(error_of([&] { x.to("cuda:1"); }).find("not compiled with CUDA enabled"), std::string::npos);
  EXPECT_THROW(x.to("mps"), Error);
  EXPECT_NO_THROW(check_device(Device("cpu:3")));
}

// Restores float32 whatever a test does.
struct DefaultDtype : ::testing::Test {
  void TearDown() override { set_default_dtype(ScalarType::Float32); }
};

TEST_F(DefaultDtype, FloatingFactoriesFollowIt) {
  EXPECT_EQ(get_default_dtype(), ScalarType::Float32);
  for (ScalarType t : {ScalarType::Float64, ScalarType::BFloat16, ScalarType::Float32}) {
    set_default_dtype(t);
    EXPECT_EQ(get_default_dtype(), t);
    EXPECT_EQ(zeros({2}).dtype(), t);
    EXPECT_EQ(ones({2}).dtype(), t);
    EXPECT_EQ(empty({2}).dtype(), t);
    EXPECT_EQ(rand({2}).dtype(), t);
    EXPECT_EQ(randn({2}).dtype(), t);
    EXPECT_EQ(linspace(0, 1, 3).dtype(), t);
    EXPECT_EQ(arange(0.5, 2).dtype(), t);
    EXPECT_EQ(full({2}, 1.5).dtype(), t);
    EXPECT_EQ(tensor({1.5}).dtype(), t);
    EXPECT_EQ(tensor({{1.5, 2.5}}).dtype(), t);
    EXPECT_EQ(scalar_tensor(1.5).dtype(), t);
    EXPECT_EQ(from_vector({1, 2}, {2}).dtype(), t);
    // Integers and bools keep their dtypes; an explicit dtype wins.
    EXPECT_EQ(arange(3).dtype(), ScalarType::Int64);
    EXPECT_EQ(full({2}, 1).dtype(), ScalarType::Int64);
    EXPECT_EQ(full({2}, true).dtype(), ScalarType::Bool);
    EXPECT_EQ(tensor({1, 2}).dtype(), ScalarType::Int64);
    EXPECT_EQ(zeros({2}, ScalarType::Float32).dtype(), ScalarType::Float32);
    // Integer operands promote to it (torch: tensor([1]) / 2, tensor([1]) + 2.5, sqrt(ints)).
    EXPECT_EQ((tensor({1}) / 2).dtype(), t);
    EXPECT_EQ((tensor({1}) + 2.5).dtype(), t);
    EXPECT_EQ((tensor({1}) / tensor({2})).dtype(), t);
    EXPECT_EQ(sqrt(tensor({4})).dtype(), t);
    EXPECT_EQ((tensor({1.0}, ScalarType::Float32) + 2.5).dtype(), ScalarType::Float32);
  }
}

TEST_F(DefaultDtype, ValuesAndPrintingFollowIt) {
  set_default_dtype(ScalarType::Float64);
  // 0.1 rounded once to double (float32 would give 0.100000001490116...).
  EXPECT_EQ(tensor({0.1}).item<double>(), 0.1);
  EXPECT_EQ(linspace(0, 1, 3).to_vector(), (std::vector<double>{0, 0.5, 1}));
  // torch 1.13 with float64 as default: float64 goes unstated, float32 is named.
  EXPECT_EQ(tensor({1.5}).str(), "tensor([1.5000])");
  EXPECT_EQ(tensor({1.5}, ScalarType::Float32).str(), "tensor([1.5000], dtype=ramp.float32)");
  EXPECT_EQ(empty({0}).str(), "tensor([])");
  EXPECT_EQ(empty({0}, ScalarType::Float32).str(), "tensor([], dtype=ramp.float32)");
}

TEST_F(DefaultDtype, OnlyFloatingDtypes) {
  for (ScalarType t : {ScalarType::Int32, ScalarType::Bool, ScalarType::Int64, ScalarType::UInt8}) {
    EXPECT_THROW(set_default_dtype(t), TypeError);
    EXPECT_EQ(error_of([&] { set_default_dtype(t); }), "only floating-point types are supported as the default type");
  }
  EXPECT_EQ(get_default_dtype(), ScalarType::Float32);
}

}  // namespace
}  // namespace ramp
