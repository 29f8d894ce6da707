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
 * a mutated token only if it still decodes to exactly the bytes of an acceptable token.
 */
class JwtSvidValidatorFuzzTest {

    static final long SEED = 20261122L;
    static final int GENERATED = 10_000;
    static final int MUTATED = 95_000;

    final Tokens tokens = new Tokens();
    final JwtSvidValidator validator = new JwtSvidValidator(tokens::bundles, Tokens.AUDIENCE, Set.of(Tokens.WEBAPP),
            Clock.fixed(Tokens.NOW, ZoneOffset.UTC));
    final Random random = new Random(SEED);

    @Test
    void generatedTokensAreAcceptedExactlyWhenEveryPropertyIsGood() {
        int accepted = 0;
        for (int i = 0; i < GENERATED; i++) {
            boolean goodKid = random.nextInt(6) > 0;
            boolean goodKey = random.nextInt(6) > 0;
            int subject = random.nextInt(6);     // 0-2 allowed, 3 not allowed, 4 foreign trust domain, 5 not a SPIFFE ID
            int audience = random.nextInt(6);    // 0-2 right, 3 list with right, 4 wrong, 5 missing
            int expiry = random.nextInt(6);      // 0-3 future, 4 past, 5 missing
            int notBefore = random.nextInt(6);   // 0-3 absent, 4 past, 5 future
            var claims = tokens.claims(switch (subject) {
                case 3 -> Tokens.WEBAPP_2;
                case 4 -> "spiffe://evil.org/ns/demo/sa/webapp";
                case 5 -> "webapp";
                default -> Tokens.WEBAPP;
            });
            switch (audience) {
                case 3 -> claims.audience(List.of("spiffe://example.org/x", Tokens.AUDIENCE));
                case 4 -> claims.audience("spiffe://example.org/ns/demo/sa/payments");
                case 5 -> claims.audience((String) null);
                default -> { }
            }
            switch (expiry) {
                case 4 -> claims.expirationTime(Date.from(Tokens.NOW.minus(Duration.ofSeconds(1 + random.nextInt(3600)))));
                case 5 -> claims.expirationTime(null);
                default -> claims.expirationTime(Date.from(Tokens.NOW.plus(Duration.ofSeconds(1 + random.nextInt(3600)))));
            }
            switch (notBefore) {
                case 4 -> claims.notBeforeTime(Date.from(Tokens.NOW.minus(Duration.ofSeconds(random.nextInt(3600)))));
                case 5 -> claims.notBeforeTime(Date.from(Tokens.NOW.plus(Duration.ofSeconds(1 + random.nextInt(3600)))));
                default -> { }
            }
            String token = tokens.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(goodKid ? "ec-1" : "ec-x" + random.nextInt(99)).build(),
                    claims.build(), goodKey ? tokens.ec : tokens.otherEc);
            boolean acceptable = goodKid && goodKey && subject <= 2 && audience <= 3 && expiry <= 3 && notBefore <= 4;
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
        List<List<byte[]>> acceptableParts = valid.stream().map(JwtSvidValidatorFuzzTest::decodedParts).toList();
        int wronglyAccepted = 0;
        for (int i = 0; i < MUTATED; i++) {
            String header = mutate(valid.get(random.nextInt(valid.size())));
            Verdict verdict = validator.check(header);   // must not throw
            if (verdict instanceof Verdict.Allowed) {
                boolean stillValid = header.regionMatches(true, 0, "Bearer ", 0, 7)
                        && sameAsOneOf(decodedParts(header.substring(7).strip()), acceptableParts);
                if (!stillValid) {
                    wronglyAccepted++;
                }
            }
        }
        assertThat(wronglyAccepted).isZero();
    }

    private String mutate(String token) {
        String bearer = "Bearer " + token;
        return switch (random.nextInt(10)) {
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

    /** The three decoded parts of a compact JWS, or null when it is not one. */
    private static List<byte[]> decodedParts(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            List<byte[]> decoded = new ArrayList<>();
            for (String part : parts) {
                decoded.add(com.nimbusds.jose.util.Base64URL.from(part).decode());
            }
            return decoded;
        } catch (RuntimeException e) {
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
