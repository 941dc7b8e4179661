// Package qrcode renders a QR code number (SPEC F14, F16) as a PNG image, for the booker's
// email: shown on a phone screen and scanned by the QR reader at the door. It is kept out of
// package identifier so that the core (booking, accessplan, identifier, the engine) never
// compiles the barcode library; only the notifier imports it.
package qrcode

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode/qr"
)

// DefaultSize is the image size in pixels PNG uses when asked for size 0: large enough for a
// door reader to scan from a phone held at arm's length, small enough for any email.
const DefaultSize = 400

// QuietZone is the white margin around the symbol, in modules. ISO/IEC 18004 asks for at
// least 4; readers fail on codes cropped closer than that (an email client's dark mode or a
// dark phone background would otherwise touch the finder patterns).
const QuietZone = 4

// PNG returns a PNG image, size×size pixels, of the QR code that encodes code. The symbol uses
// error correction level H (30 % of the symbol may be damaged or hidden by glare and still
// read; "M or better" is what door readers ask for), at least QuietZone white modules on every
// side, and whole-pixel modules (no blur from scaling). size 0 means DefaultSize. A size
// too small to give every module at least one pixel is an error.
func PNG(code string, size int) ([]byte, error) {
	if code == "" {
		return nil, fmt.Errorf("QR image: the code is empty")
	}
	if size == 0 {
		size = DefaultSize
	}
	if size < 0 {
		return nil, fmt.Errorf("QR image of %q: size %d px is negative", code, size)
	}
	bc, err := qr.Encode(code, qr.H, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("QR image of %q: %w", code, err)
	}
	modules := bc.Bounds().Dx()
	total := modules + 2*QuietZone
	scale := size / total
	if scale < 1 {
		return nil, fmt.Errorf("QR image of %q: size %d px is too small; the symbol needs at least %d px (%d modules and the quiet zone)", code, size, total, modules)
	}
	// Centre the symbol: the pixels left over by the whole-pixel scale widen the quiet zone.
	offset := (size - modules*scale) / 2
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	min := bc.Bounds().Min
	for my := 0; my < modules; my++ {
		for mx := 0; mx < modules; mx++ {
			if !dark(bc.At(min.X+mx, min.Y+my)) {
				continue
			}
			x0, y0 := offset+mx*scale, offset+my*scale
			for y := y0; y < y0+scale; y++ {
				row := img.Pix[y*img.Stride:]
				for x := x0; x < x0+scale; x++ {
					row[x] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("QR image of %q: encode PNG: %w", code, err)
	}
	return buf.Bytes(), nil
}

func dark(c color.Color) bool {
	return color.GrayModel.Convert(c).(color.Gray).Y < 128
}
