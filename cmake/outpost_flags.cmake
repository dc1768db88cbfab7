# Compiler flags live on one INTERFACE target that every Outpost target links; nothing is set
# through global flag strings.
add_library(outpost_flags INTERFACE)
target_compile_options(outpost_flags INTERFACE
  -Wall -Wextra -Wpedantic -Werror
  -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
  -Wconversion -Wsign-conversion -Wdouble-promotion -Wformat=2
  -Wimplicit-fallthrough
  # GCC 12 at -O2 reports Asio's coroutine-frame allocator (aligned_alloc + sized delete) as a
  # mismatched new/delete: a known false positive in GCC 12, not a bug in Asio or in Outpost.
  -Wno-mismatched-new-delete)
target_compile_definitions(outpost_flags INTERFACE OPENSSL_API_COMPAT=30000 OPENSSL_NO_DEPRECATED)
# Asio's configuration changes its classes' layout: every file of every target must see the same
# (a library without it once read another's sockets wrongly, found by AddressSanitizer).
target_compile_definitions(outpost_flags INTERFACE BOOST_ASIO_NO_DEPRECATED)

if(OUTPOST_SANITIZE)
  # -g1 (after the build type's -g, so it wins): line tables and function names, what the
  # sanitizers' reports need; full debug information made the sanitizer build ~17 % slower.
  target_compile_options(outpost_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g1)
  target_link_options(outpost_flags INTERFACE -fsanitize=address,undefined)
endif()
