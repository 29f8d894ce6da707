package org.spiffelab.sds.authz;

import java.math.BigInteger;
import org.bouncycastle.math.ec.ECPoint;

/**
 * Multiples of one fixed point P, precomputed so that u·P needs no doubling: row i holds b·2^(8i)·P in affine form for
 * every byte value b, and u·P is the sum of one entry per non-zero byte of u — at most 32 additions on P-256, where
 * BouncyCastle's own fixed-point comb needs about 43 doublings and 86 additions for u₁·G + u₂·Q. The arithmetic is
 * BouncyCastle's (its additions handle doubling and infinity). Verification only: everything here is public, so
 * variable time is fine. A P-256 table is 32 × 255 points, about 1.5 MB, built once in tens of milliseconds.
 */
final class FixedBaseTable {

    private final ECPoint[][] rows;

    FixedBaseTable(ECPoint point, int scalarBytes) {
        rows = new ECPoint[scalarBytes][];
        ECPoint base = point.normalize();
        for (int i = 0; i < scalarBytes; i++) {
            ECPoint[] row = new ECPoint[256];
            row[1] = base;
            for (int b = 2; b < 256; b++) {
                row[b] = row[b - 1].add(base);
            }
            base.getCurve().normalizeAll(row, 1, 255, null);
            rows[i] = row;
            ECPoint next = base;
            for (int d = 0; d < 8; d++) {
                next = next.twice();
            }
            base = next.normalize();
        }
    }

    /** @return {@code sum + u·P}; {@code u} must be non-negative and below 2^(8 × scalarBytes) */
    ECPoint addMultiple(ECPoint sum, BigInteger u) {
        byte[] bytes = u.toByteArray();   // big-endian, maybe with a leading zero byte
        ECPoint result = sum;
        int length = Math.min(bytes.length, rows.length);
        for (int i = 0; i < length; i++) {
            int b = bytes[bytes.length - 1 - i] & 0xff;
            if (b != 0) {
                result = result.add(rows[i][b]);
            }
        }
        return result;
    }
}
