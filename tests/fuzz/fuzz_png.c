/* Fuzz the PNG folder reader's decoder (data/pngdir.h, bnx_png_decode):
 * the input is the bytes of one PNG file. */
#include "data/pngdir.h"
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bnx_png_image img;
    bnx_error err = {0};
    int rc = bnx_png_decode(data, size, "input.png", &img, &err);
    if (rc) {
        fuzz_check(err.code == rc && err.msg[0], "a failure has a status and a message");
        fuzz_check(img.pixels == NULL && img.w == 0, "a failure leaves the image zeroed");
        return 0;
    }
    fuzz_check(img.w >= 1 && img.w <= BNX_PNG_MAX_SIDE && img.h >= 1 &&
               img.h <= BNX_PNG_MAX_SIDE, "sides within the limits");
    fuzz_check(img.c == 1 || img.c == 3, "grey or RGB");
    unsigned sum = 0;
    size_t bytes = (size_t)img.w * (size_t)img.h * (size_t)img.c;
    for (size_t i = 0; i < bytes; i++) /* every byte readable (ASan) and defined (valgrind) */
        sum += img.pixels[i];
    fuzz_check(sum <= 255 * bytes, "sum of bytes");
    bnx_png_image_free(&img);
    return 0;
}
