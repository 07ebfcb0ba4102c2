// Every wrapper is `static inline` in include/CCurlew.h; SwiftPM needs one source file to build
// the C target, and this is it.
#include "CCurlew.h"
