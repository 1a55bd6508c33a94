# Dot-sourced by the tests that look at an HTML page the way a reader does: headless Chromium renders it
# (Debian's package; build.ps1 Test installs it), and PngProbe reads the screenshot without System.Drawing.

if (-not ('CodexPSTests.PngProbe' -as [type])) {
    # Decodes a PNG (8-bit RGB or RGBA, not interlaced, as Chromium writes them) without System.Drawing.
    Add-Type -TypeDefinition @'
using System;
using System.IO;
using System.IO.Compression;
using System.Collections.Generic;
namespace CodexPSTests {
public sealed class PngStats {
    public int Width; public int Height; public int DistinctColours; public long SeriesPixels; public long NonBackgroundPixels;
}
public static class PngProbe {
    static int BE(byte[] b, int i) { return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]; }
    public static PngStats Analyse(string path, int[] seriesRgb) {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8 || bytes[0] != 0x89 || bytes[1] != 0x50) throw new InvalidDataException("not a PNG");
        int pos = 8, width = 0, height = 0, colourType = 0, depth = 0, interlace = 0;
        var idat = new MemoryStream();
        while (pos + 8 <= bytes.Length) {
            int length = BE(bytes, pos);
            string type = System.Text.Encoding.ASCII.GetString(bytes, pos + 4, 4);
            if (type == "IHDR") { width = BE(bytes, pos + 8); height = BE(bytes, pos + 12); depth = bytes[pos + 16]; colourType = bytes[pos + 17]; interlace = bytes[pos + 20]; }
            else if (type == "IDAT") idat.Write(bytes, pos + 8, length);
            else if (type == "IEND") break;
            pos += 12 + length;
        }
        if (depth != 8 || interlace != 0 || (colourType != 2 && colourType != 6)) throw new InvalidDataException("unsupported PNG: depth " + depth + ", colour type " + colourType);
        int bpp = colourType == 6 ? 4 : 3, stride = width * bpp;
        idat.Position = 0;
        var raw = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(raw);
        var data = raw.ToArray();
        var previous = new byte[stride]; var row = new byte[stride];
        var colours = new HashSet<int>();
        var stats = new PngStats { Width = width, Height = height };
        int background = -1;
        for (int y = 0; y < height; y++) {
            int offset = y * (stride + 1), filter = data[offset];
            for (int x = 0; x < stride; x++) {
                int a = x >= bpp ? row[x - bpp] : 0, b = previous[x], c = x >= bpp ? previous[x - bpp] : 0, v = data[offset + 1 + x];
                switch (filter) {
                    case 1: v += a; break;
                    case 2: v += b; break;
                    case 3: v += (a + b) / 2; break;
                    case 4: { int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c); v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; break; }
                }
                row[x] = (byte)v;
            }
            for (int x = 0; x < width; x++) {
                int r = row[x * bpp], g = row[x * bpp + 1], bl = row[x * bpp + 2], rgb = (r << 16) | (g << 8) | bl;
                colours.Add(rgb);
                if (background < 0) background = rgb;
                if (rgb != background) stats.NonBackgroundPixels++;
                for (int s = 0; s < seriesRgb.Length; s++) {
                    int sr = (seriesRgb[s] >> 16) & 255, sg = (seriesRgb[s] >> 8) & 255, sb = seriesRgb[s] & 255;
                    if (Math.Abs(r - sr) < 24 && Math.Abs(g - sg) < 24 && Math.Abs(bl - sb) < 24) { stats.SeriesPixels++; break; }
                }
            }
            var t = previous; previous = row; row = t;
        }
        stats.DistinctColours = colours.Count;
        return stats;
    }
}
}
'@
}

function Invoke-Chromium {
    # Headless Chromium (Debian's package; build.ps1 Test installs it): a screenshot and the rendered DOM.
    param([string] $Html, [string] $Png)
    $chromium = (Get-Command chromium -ErrorAction Stop).Source
    $url = [Uri]::new("file://" + [IO.Path]::GetFullPath($Html)).AbsoluteUri
    $common = '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', "--user-data-dir=$(New-TestDirectory 'codexps-chromium')"
    $null = & $chromium @common "--screenshot=$Png" '--window-size=1240,1800' $url 2>&1
    (& $chromium @common '--dump-dom' $url 2>$null) -join "`n"
}
