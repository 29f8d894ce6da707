package org.spiffelab.sds.authz;

/**
 * Decodes one part of a compact JWS only when it is written exactly as RFC 7515 says: the Base64URL alphabet, no
 * padding, no other characters, and unused trailing bits zero. Lenient decoders (nimbus's included) skip foreign
 * characters and ignore padding and trailing bits, so many strings decode to the bytes of one genuine token; here
 * each of those strings is refused with its own reason, and exactly one string stands for each byte sequence.
 */
final class Base64UrlStrict {

    private static final byte[] VALUES = new byte[128];

    static {
        java.util.Arrays.fill(VALUES, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < alphabet.length(); i++) {
            VALUES[alphabet.charAt(i)] = (byte) i;
        }
    }

    private Base64UrlStrict() {
    }

    /** @param part the part's name for the reason (header, payload, signature) */
    static byte[] decode(String text, int from, int to, String part) throws Rejected {
        int length = to - from;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c >= 128 || VALUES[c] < 0) {
                throw new Rejected(c == '='
                        ? part + " part: padding '=' is not allowed in a compact JWS"
                        : part + " part: character " + describe(c) + " at " + (i - from) + " is not Base64URL");
            }
        }
        if (length % 4 == 1) {
            throw new Rejected(part + " part: " + length + " characters is not a possible Base64URL length");
        }
        byte[] out = new byte[length * 3 / 4];
        int bits = 0;
        int buffered = 0;
        int n = 0;
        for (int i = from; i < to; i++) {
            bits = bits << 6 | VALUES[text.charAt(i)];
            buffered += 6;
            if (buffered >= 8) {
                buffered -= 8;
                out[n++] = (byte) (bits >> buffered);
                bits &= (1 << buffered) - 1;
            }
        }
        if (bits != 0) {
            throw new Rejected(part + " part: non-canonical Base64URL (the last character sets unused bits)");
        }
        return out;
    }

    private static String describe(char c) {
        return c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
