package org.spiffelab.sds.authz;

/**
 * A SPIFFE ID exactly as the SPIFFE ID standard writes it, checked on the raw claim before anything parses it:
 * lowercase {@code spiffe://} scheme; a trust domain of lowercase letters, digits, '.', '-', '_'; a path of non-empty
 * segments of letters, digits, '.', '-', '_' that are not '.' or '..'; no trailing '/', query, fragment, port,
 * user info or percent-encoding. java-spiffe's parser lowercases the scheme and trust domain, so
 * {@code SPIFFE://Example.Org/x} would otherwise reach the allow-list as {@code spiffe://example.org/x}.
 */
final class SpiffeIdSyntax {

    static final int MAX_LENGTH = 2048;
    private static final String SCHEME = "spiffe://";

    private SpiffeIdSyntax() {
    }

    /** @return why {@code id} is not a SPIFFE ID as the spec writes it, or null when it is one */
    static String problem(String id) {
        if (id.length() > MAX_LENGTH) {
            return "subject is longer than " + MAX_LENGTH + " characters";
        }
        if (!id.startsWith(SCHEME)) {
            return id.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
                    ? "subject scheme must be lowercase spiffe://"
                    : "subject is not a SPIFFE ID (no spiffe:// scheme)";
        }
        int slash = id.indexOf('/', SCHEME.length());
        int end = slash < 0 ? id.length() : slash;
        if (end == SCHEME.length()) {
            return "subject has no trust domain";
        }
        for (int i = SCHEME.length(); i < end; i++) {
            char c = id.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return "subject trust domain must be lowercase";
            }
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_')) {
                return "subject trust domain has a character a SPIFFE ID does not allow";
            }
        }
        if (slash < 0) {
            return null;
        }
        int segmentStart = slash + 1;
        for (int i = segmentStart; i <= id.length(); i++) {
            if (i == id.length() || id.charAt(i) == '/') {
                int segment = i - segmentStart;
                if (segment == 0) {
                    return "subject path has an empty segment (// or a trailing /)";
                }
                if (segment <= 2 && id.regionMatches(segmentStart, "..", 0, segment)) {
                    return "subject path has a relative segment (. or ..)";
                }
                segmentStart = i + 1;
                continue;
            }
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_')) {
                return "subject path has a character a SPIFFE ID does not allow";
            }
        }
        return null;
    }
}
