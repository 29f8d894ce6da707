package org.spiffelab.sds.authz;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * 100,000+ generated and mutated tokens and headers: nothing is accepted that should not be, and nothing throws.
 * The oracle is independent of the validator: a generated token is acceptable only if every property was chosen good;
 * a mutated header only if it is {@code Bearer}, spaces, and a token whose three parts are each the canonical
 * Base64URL spelling (the JDK's decoder, re-encoded, gives back the same text) of exactly the bytes of an acceptable
 * token. Many mutations (padding, foreign characters, the standard alphabet, unused trailing bits) decode to the
 * genuine bytes in a lenient decoder; the oracle calls them unacceptable, so the validator must too.
 */
class JwtSvidValidatorFuzzTest {

    static final long SEED = 20261122L;
    static final int GENERATED = 10_000;
    static final int MUTATED = 95_000;
    static final long SKEW = JwtSvidValidator.CLOCK_SKEW.toSeconds();

    final Tokens tokens = new Tokens();
    final JwtSvidValidator validator = new JwtSvidValidator(JwtBundles.of(tokens::bundles), Tokens.AUDIENCE, Set.of(Tokens.WEBAPP),
            Clock.fixed(Tokens.NOW, ZoneOffset.UTC));
    final Random random = new Random(SEED);

    @Test
    void generatedTokensAreAcceptedExactlyWhenEveryPropertyIsGood() {
        int accepted = 0;
        for (int i = 0; i < GENERATED; i++) {
            boolean goodKid = random.nextInt(6) > 0;
            boolean goodKey = random.nextInt(6) > 0;
            int subject = random.nextInt(9);     // 0-2 allowed, 3 not allowed, 4 foreign trust domain, 5 not a SPIFFE ID,
                                                 // 6-8 the allowed ID with an uppercase scheme or trust domain
            int audience = random.nextInt(6);    // 0-2 right, 3 list with right, 4 wrong, 5 missing
            int expiry = random.nextInt(7);      // 0-3 future, 4 past beyond the skew, 5 missing, 6 past within the skew
            int notBefore = random.nextInt(7);   // 0-3 absent, 4 past, 5 future beyond the skew, 6 future within it
            int issued = random.nextInt(6);      // 0-2 now, 3 absent, 4 future beyond the skew, 5 future within it
            boolean highS = random.nextInt(4) == 0;
            var claims = tokens.claims(switch (subject) {
                case 3 -> Tokens.WEBAPP_2;
                case 4 -> "spiffe://evil.org/ns/demo/sa/webapp";
                case 5 -> "webapp";
                case 6 -> Tokens.WEBAPP.replace("example.org", "EXAMPLE.ORG");
                case 7 -> Tokens.WEBAPP.replace("example.org", "Example.org");
                case 8 -> Tokens.WEBAPP.replace("spiffe:", "SPIFFE:");
                default -> Tokens.WEBAPP;
            });
            switch (audience) {
                case 3 -> claims.audience(List.of("spiffe://example.org/x", Tokens.AUDIENCE));
                case 4 -> claims.audience("spiffe://example.org/ns/demo/sa/payments");
                case 5 -> claims.audience((String) null);
                default -> { }
            }
            switch (expiry) {
                case 4 -> claims.expirationTime(Date.from(Tokens.NOW.minus(Duration.ofSeconds(SKEW + random.nextInt(3600)))));
                case 5 -> claims.expirationTime(null);
                case 6 -> claims.expirationTime(Date.from(Tokens.NOW.minus(Duration.ofSeconds(random.nextInt((int) SKEW)))));
                default -> claims.expirationTime(Date.from(Tokens.NOW.plus(Duration.ofSeconds(1 + random.nextInt(3600)))));
            }
            switch (notBefore) {
                case 4 -> claims.notBeforeTime(Date.from(Tokens.NOW.minus(Duration.ofSeconds(random.nextInt(3600)))));
                case 5 -> claims.notBeforeTime(Date.from(Tokens.NOW.plus(Duration.ofSeconds(SKEW + 1 + random.nextInt(3600)))));
                case 6 -> claims.notBeforeTime(Date.from(Tokens.NOW.plus(Duration.ofSeconds(random.nextInt((int) SKEW + 1)))));
                default -> { }
            }
            switch (issued) {
                case 3 -> claims.issueTime(null);
                case 4 -> claims.issueTime(Date.from(Tokens.NOW.plus(Duration.ofSeconds(SKEW + 1 + random.nextInt(400_000_000)))));
                case 5 -> claims.issueTime(Date.from(Tokens.NOW.plus(Duration.ofSeconds(random.nextInt((int) SKEW + 1)))));
                default -> { }
            }
            String token = tokens.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(goodKid ? "ec-1" : "ec-x" + random.nextInt(99)).build(),
                    claims.build(), goodKey ? tokens.ec : tokens.otherEc);
            if (highS) {
                token = Tokens.highSTwin(token);
            }
            boolean acceptable = goodKid && goodKey && subject <= 2 && audience <= 3 && expiry != 4 && expiry != 5 && notBefore != 5
                    && issued != 4;
            Verdict verdict = validator.check("Bearer " + token);
            assertThat(verdict instanceof Verdict.Allowed).as("token %d: %s", i, verdict).isEqualTo(acceptable);
            if (acceptable) {
                accepted++;
            }
        }
        assertThat(accepted).as("the generator also produces acceptable tokens").isGreaterThan(GENERATED / 20);
    }

    @Test
    void mutatedTokensAndHeadersAreNeverWronglyAcceptedAndNeverCrash() {
        List<String> valid = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            valid.add(tokens.es256("ec-1", tokens.claims(Tokens.WEBAPP).jwtID("jti-" + i).build()));
        }
        List<List<byte[]>> acceptableParts = valid.stream().map(JwtSvidValidatorFuzzTest::canonicalParts).toList();
        int wronglyAccepted = 0;
        int rightlyAccepted = 0;
        for (int i = 0; i < MUTATED; i++) {
            String header = mutate(valid.get(random.nextInt(valid.size())));
            Verdict verdict = validator.check(header);   // must not throw
            if (verdict instanceof Verdict.Allowed) {
                boolean stillValid = header.regionMatches(true, 0, "Bearer ", 0, 7)
                        && sameAsOneOf(canonicalParts(header.substring(7).replaceFirst("^ +", "")), acceptableParts);
                if (!stillValid) {
                    wronglyAccepted++;
                } else {
                    rightlyAccepted++;
                }
            }
        }
        assertThat(wronglyAccepted).isZero();
        assertThat(rightlyAccepted).as("some mutations leave a genuine token (e.g. Bearer's case)").isPositive();
    }

    private String mutate(String token) {
        String bearer = "Bearer " + token;
        return switch (random.nextInt(16)) {
            case 10 -> "Bearer " + token + "=".repeat(1 + random.nextInt(2));                        // padding
            case 11 -> "Bearer " + sameBytesOtherSpelling(token);                                    // unused bits set
            case 12 -> insertAt(bearer, 7 + random.nextInt(token.length() + 1), randomJunk());       // skipped by lenient decoders
            case 13 -> "Bearer " + token.replace('-', '+').replace('_', '/');                         // standard alphabet
            case 14 -> (random.nextBoolean() ? " " : "\t") + bearer + (random.nextBoolean() ? " " : "\r\n");
            case 15 -> "Bearer " + replaceSegment(token, random.nextInt(2), padded(token, random.nextInt(2)));
            case 0 -> bearer.substring(0, random.nextInt(bearer.length()));                        // truncated
            case 1 -> flipChar(bearer, 7 + random.nextInt(token.length()));                        // one character changed
            case 2 -> flipChar(flipChar(bearer, 7 + random.nextInt(token.length())), 7 + random.nextInt(token.length()));
            case 3 -> "Bearer " + swapSegments(token);                                              // header/payload/signature shuffled
            case 4 -> "Bearer " + token + "." + randomText(1 + random.nextInt(20));                 // extra segment
            case 5 -> randomText(random.nextInt(80));                                               // garbage header
            case 6 -> "Bearer " + replaceSegment(token, random.nextInt(3), randomBase64(random.nextInt(200)));
            case 7 -> (random.nextBoolean() ? "Bearer" : "Token ") + token;                         // wrong or missing scheme
            case 8 -> "Bearer " + token.replace('.', random.nextBoolean() ? ',' : '_');
            default -> "Bearer " + replaceSegment(token, 0, Base64.getUrlEncoder().withoutPadding().encodeToString(
                    ("{\"alg\":\"" + List.of("none", "HS256", "ES256", "RS256", "EdDSA", "").get(random.nextInt(6))
                            + "\",\"kid\":\"ec-1\"}").getBytes(StandardCharsets.UTF_8)));
        };
    }

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /** One part's last character with unused bits set: a lenient decoder gives the same bytes. */
    private String sameBytesOtherSpelling(String token) {
        int index = random.nextInt(3);
        String part = token.split("\\.", -1)[index];
        int unusedBits = part.length() % 4 == 2 ? 4 : part.length() % 4 == 3 ? 2 : 0;
        if (unusedBits == 0) {
            return token + "=";
        }
        int value = ALPHABET.indexOf(part.charAt(part.length() - 1));
        String spelled = part.substring(0, part.length() - 1) + ALPHABET.charAt(value | 1 + random.nextInt((1 << unusedBits) - 1));
        return replaceSegment(token, index, spelled);
    }

    private static String padded(String token, int index) {
        String part = token.split("\\.", -1)[index];
        return part + "=".repeat((4 - part.length() % 4) % 4 == 0 ? 4 : (4 - part.length() % 4));
    }

    private String randomJunk() {
        String junk = "!*%~ \t\r\n+/=@\u00e9\u0000\u200b";
        return String.valueOf(junk.charAt(random.nextInt(junk.length())));
    }

    private static String insertAt(String text, int at, String inserted) {
        return text.substring(0, at) + inserted + text.substring(at);
    }

    private String flipChar(String text, int at) {
        char[] chars = text.toCharArray();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \u0000\u00e9";
        chars[at] = alphabet.charAt(random.nextInt(alphabet.length()));
        return new String(chars);
    }

    private String swapSegments(String token) {
        List<String> parts = new ArrayList<>(Arrays.asList(token.split("\\.", -1)));
        java.util.Collections.shuffle(parts, random);
        return String.join(".", parts);
    }

    private static String replaceSegment(String token, int index, String segment) {
        String[] parts = token.split("\\.", -1);
        parts[index] = segment;
        return String.join(".", parts);
    }

    private String randomText(int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append((char) (random.nextInt(0x7f - 0x20) + 0x20));
        }
        return text.toString();
    }

    private String randomBase64(int bytes) {
        byte[] data = new byte[bytes];
        random.nextBytes(data);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(data);
    }

    /** The three decoded parts of a compact JWS, or null unless each part is the canonical spelling of its bytes. */
    private static List<byte[]> canonicalParts(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            List<byte[]> decoded = new ArrayList<>();
            for (String part : parts) {
                byte[] bytes = Base64.getUrlDecoder().decode(part);
                if (!Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(part)) {
                    return null;
                }
                decoded.add(bytes);
            }
            return decoded;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean sameAsOneOf(List<byte[]> parts, List<List<byte[]>> acceptable) {
        if (parts == null) {
            return false;
        }
        for (List<byte[]> candidate : acceptable) {
            if (Arrays.equals(parts.get(0), candidate.get(0)) && Arrays.equals(parts.get(1), candidate.get(1))
                    && Arrays.equals(parts.get(2), candidate.get(2))) {
                return true;
            }
        }
        return false;
    }
}
