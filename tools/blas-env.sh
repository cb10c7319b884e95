# Sourced by the scripts that run SeqNN (demo, tests, examples, benchmarks): picks OpenBLAS's kernels from
# the CPU's instruction sets when the user has not chosen. Debian 12's OpenBLAS 0.3.21 does not recognise
# newer CPUs and falls back to SSE3 ("Prescott") kernels, about 4x slower; OpenBLAS reads this variable
# once, when the process loads it, so it must be set before the program starts.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r /proc/cpuinfo ]; then
  _flags=$(grep -m1 '^flags' /proc/cpuinfo)
  case "$_flags" in
    *" avx512f "*) export OPENBLAS_CORETYPE=SkylakeX ;;
    *" avx2 "*" fma "*|*" fma "*" avx2 "*) export OPENBLAS_CORETYPE=Haswell ;;
  esac
  unset _flags
fi
