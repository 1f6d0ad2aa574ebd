// Devices as torch names them ("cpu", "cuda:0", ...). ramp computes on the CPU only: a Device can
// name any of torch's device types (scripts pass "cuda" around), but asking for a tensor anywhere
// but the CPU raises NotCompiledError (Python: AssertionError, as torch without CUDA).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ramp/error.h"

namespace ramp {

// A device type ramp knows by name but cannot compute on. CUDA -> AssertionError in Python (torch's
// "Torch not compiled with CUDA enabled"); the others are RuntimeErrors, as torch's.
struct NotCompiledError : Error {
  using Error::Error;
};

// torch 1.13's c10::DeviceType names, in its order (its parse error lists them so).
enum class DeviceType : std::uint8_t {
  CPU, CUDA, IPU, XPU, MKLDNN, OpenGL, OpenCL, IDEEP, HIP, VE, FPGA, ORT, XLA, Lazy, Vulkan, MPS, Meta, HPU,
  PrivateUse1
};

struct Device {
  DeviceType type = DeviceType::CPU;
  std::int16_t index = -1;  // -1: none given ("cuda" is not "cuda:0")

  Device() = default;
  Device(DeviceType t, int index = -1);  // NOLINT: implicit like c10::Device
  // "cpu", "cuda", "cuda:1": torch's grammar and error texts.
  explicit Device(std::string_view spec);
  Device(const char* spec) : Device(std::string_view(spec)) {}  // NOLINT

  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool has_index() const { return index >= 0; }
  std::string type_name() const;  // "cuda"
  std::string str() const;        // "cuda:1"
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
};

// Throws unless tensors can live on `d` in this build (the CPU, any index, as torch's CPU).
void check_device(const Device& d);

namespace cuda {
// torch.cuda.is_available() / device_count() of a build without CUDA.
inline bool is_available() { return false; }
inline int device_count() { return 0; }
}  // namespace cuda

}  // namespace ramp

template <> struct std::hash<ramp::Device> {
  std::size_t operator()(const ramp::Device& d) const noexcept {
    return std::size_t(d.type) << 16 | std::uint16_t(d.index);
  }
};
