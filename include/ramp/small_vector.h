// A vector that keeps its first N elements inline: graph nodes have one or two inputs, and a heap
// allocation per list costs as much as the rest of a one-element op.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <new>
#include <utility>

namespace ramp {

template <class T, std::size_t N> class SmallVector {
 public:
  SmallVector() = default;
  SmallVector(std::initializer_list<T> l) {
    reserve(l.size());
    for (const T& v : l) push_back(v);
  }
  SmallVector(std::size_t n) {  // NOLINT: n default-constructed elements, like std::vector(n)
    reserve(n);
    for (std::size_t i = 0; i < n; ++i) emplace_back();
  }
  SmallVector(const SmallVector& o) {
    reserve(o.size_);
    for (const T& v : o) push_back(v);
  }
  SmallVector(SmallVector&& o) noexcept {
    reserve(o.size_);
    for (T& v : o) emplace_back(std::move(v));
    o.clear();
  }
  SmallVector& operator=(SmallVector o) noexcept {
    clear();
    reserve(o.size_);
    for (T& v : o) emplace_back(std::move(v));
    return *this;
  }
  ~SmallVector() {
    clear();
    if (data_ != inline_ptr()) ::operator delete(data_);
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }

  void reserve(std::size_t n) {
    if (n <= capacity_) return;
    T* fresh = static_cast<T*>(::operator new(n * sizeof(T)));
    for (std::size_t i = 0; i < size_; ++i) {
      new (fresh + i) T(std::move(data_[i]));
      data_[i].~T();
    }
    if (data_ != inline_ptr()) ::operator delete(data_);
    data_ = fresh;
    capacity_ = n;
  }
  template <class... A> T& emplace_back(A&&... a) {
    if (size_ == capacity_) reserve(2 * capacity_);
    return *new (data_ + size_++) T(std::forward<A>(a)...);
  }
  void push_back(const T& v) { emplace_back(v); }
  void push_back(T&& v) { emplace_back(std::move(v)); }
  void clear() {
    for (std::size_t i = 0; i < size_; ++i) data_[i].~T();
    size_ = 0;
  }

 private:
  T* inline_ptr() { return reinterpret_cast<T*>(inline_); }
  alignas(T) unsigned char inline_[N * sizeof(T)];
  T* data_ = inline_ptr();
  std::size_t size_ = 0, capacity_ = N;
};

}  // namespace ramp
