// Device names and the CPU-only check (include/ramp/device.h).
#include "ramp/device.h"

#include <array>
#include <cctype>

#include "ramp/tensor.h"

namespace ramp {

namespace {
constexpr std::array<std::string_view, 19> kTypeNames = {
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
    "fpga", "ort", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "privateuseone"};

DeviceType parse_type(std::string_view name) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i)
    if (kTypeNames[i] == name) return DeviceType(i);
  std::string all;
  for (auto n : kTypeNames) all += (all.empty() ? "" : ", ") + std::string(n);
  throw Error(detail::cat("Expected one of ", all, " device type at start of device string: ", name));
}
}  // namespace

Device::Device(DeviceType t, int i) : type(t), index(std::int16_t(i)) {
  RAMP_CHECK(i >= -1 && i <= 32767, "Device index must be -1 or non-negative, got ", i);
}

// c10::Device's grammar: ([a-zA-Z_]+)(?::([1-9]\d*|0))?
Device::Device(std::string_view spec) {
  RAMP_CHECK(!spec.empty(), "Device string must not be empty");
  const std::size_t colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  bool ok = !name.empty();
  for (char c : name) ok = ok && (std::isalpha(static_cast<unsigned char>(c)) || c == '_');
  std::string_view digits;
  if (colon != std::string_view::npos) {
    digits = spec.substr(colon + 1);
    ok = ok && !digits.empty() && (digits.size() == 1 || digits[0] != '0');
    for (char c : digits) ok = ok && std::isdigit(static_cast<unsigned char>(c));
  }
  RAMP_CHECK(ok, "Invalid device string: '", spec, "'");
  type = parse_type(name);
  if (!digits.empty()) {
    RAMP_CHECK(digits.size() <= 5 && std::stoi(std::string(digits)) <= 32767, "Could not parse device index '",
               digits, "' in device string '", spec, "'");
    index = std::int16_t(std::stoi(std::string(digits)));
  }
}

std::string Device::type_name() const { return std::string(kTypeNames[std::size_t(type)]); }
std::string Device::str() const { return has_index() ? detail::cat(type_name(), ":", int(index)) : type_name(); }

void check_device(const Device& d) {
  if (d.is_cpu()) return;
  if (d.is_cuda())
    throw NotCompiledError("ramp not compiled with CUDA enabled: this build computes on the CPU only (device '" +
                           d.str() + "')");
  throw Error("ramp is not linked with support for " + d.type_name() + " devices: it computes on the CPU only");
}

Device Tensor::device() const { return Device(); }
Tensor Tensor::to(const Device& d, std::optional<ScalarType> dtype, bool copy) const {
  check_device(d);
  return to(dtype.value_or(this->dtype()), copy);
}

}  // namespace ramp
