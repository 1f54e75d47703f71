// The one translation unit that compiles the stb implementations (Debian
// libstb-dev headers): stb_image restricted to PNG and JPEG (PPM/PGM use our
// own reader in image.cc), and stb_image_write (used by the tests to make
// fixtures). Built without our warnings: third-party code.
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#include <stb_image.h>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>
