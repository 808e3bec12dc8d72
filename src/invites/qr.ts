import QRCode from 'qrcode'

/**
 * The QR code of a URL as SVG markup (the `qrcode` package: one path, no
 * script, no style attribute, so it sits inline under the CSP). Dark modules
 * on white in both colour schemes: scanners read inverted codes badly.
 * Medium error correction; the quiet zone is the four modules the standard asks.
 */
export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000', light: '#ffffff' } })
}
