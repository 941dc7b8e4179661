package qrcode_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/net2booking/net2booking/identifier/qrcode"
)

// decode reads the QR code in a PNG back with an independent decoder (ZXing's port).
func decode(t *testing.T, data []byte) (image.Image, string) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	require.NoError(t, err)
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	require.NoError(t, err)
	return img, res.GetText()
}

func isDark(c color.Color) bool { return color.GrayModel.Convert(c).(color.Gray).Y < 128 }

// darkBox returns the bounding box of the dark pixels and the width of the first dark run
// (the top-left finder pattern, 7 modules wide).
func darkBox(img image.Image) (box image.Rectangle, finder int) {
	b := img.Bounds()
	box = image.Rectangle{Min: b.Max, Max: b.Min} // not image.Rect, which would swap them
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if !isDark(img.At(x, y)) {
				continue
			}
			if finder == 0 {
				for x2 := x; x2 < b.Max.X && isDark(img.At(x2, y)); x2++ {
					finder++
				}
			}
			box.Min.X, box.Min.Y = min(box.Min.X, x), min(box.Min.Y, y)
			box.Max.X, box.Max.Y = max(box.Max.X, x+1), max(box.Max.Y, y+1)
		}
	}
	return box, finder
}

func TestPNGDecodesBackWithQuietZone(t *testing.T) {
	for _, tc := range []struct {
		code string
		size int
		want int
	}{
		{"1", 0, qrcode.DefaultSize},
		{"12345678", 0, qrcode.DefaultSize},
		{"99999999", 400, 400},
		{"16777215", 250, 250}, // the largest Wiegand-26 card number
		{"4294967295", 333, 333},
		{"123", 29, 29}, // version 1: 21 modules + 8 quiet = 29, one pixel per module
	} {
		t.Run(tc.code, func(t *testing.T) {
			data, err := qrcode.PNG(tc.code, tc.size)
			require.NoError(t, err)
			require.True(t, bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")), "not a PNG")
			img, err := png.Decode(bytes.NewReader(data))
			require.NoError(t, err)
			assert.Equal(t, tc.want, img.Bounds().Dx())
			assert.Equal(t, tc.want, img.Bounds().Dy())

			box, finder := darkBox(img)
			require.Zero(t, finder%7, "finder pattern of %d px is not whole modules", finder)
			module := finder / 7
			quiet := qrcode.QuietZone * module
			assert.GreaterOrEqual(t, box.Min.X, quiet, "left quiet zone")
			assert.GreaterOrEqual(t, box.Min.Y, quiet, "top quiet zone")
			assert.GreaterOrEqual(t, tc.want-box.Max.X, quiet, "right quiet zone")
			assert.GreaterOrEqual(t, tc.want-box.Max.Y, quiet, "bottom quiet zone")

			if tc.size >= 100 { // the decoder wants some pixels per module
				_, got := decode(t, data)
				assert.Equal(t, tc.code, got)
			}
		})
	}
}

func TestPNGErrorCorrectionAtLeastM(t *testing.T) {
	data, err := qrcode.PNG("12345678", 0)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	require.NoError(t, err)
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	require.NoError(t, err)
	level, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL].(string)
	assert.Contains(t, []string{"M", "Q", "H"}, level)
}

func TestPNGRefusesBadInput(t *testing.T) {
	_, err := qrcode.PNG("", 0)
	assert.ErrorContains(t, err, "empty")
	_, err = qrcode.PNG("12345678", -1)
	assert.ErrorContains(t, err, "negative")
	_, err = qrcode.PNG("12345678", 20)
	assert.ErrorContains(t, err, "too small")
}
