package org.spiffelab.sds.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Go's %q of a []string, as SPIRE prints refused names (expected values written from Go's strconv.Quote rules). */
class GoQuotedTest {

    @Test
    void quotesLikeGo() {
        assertThat(GoQuoted.list(List.of())).isEqualTo("[]");
        assertThat(GoQuoted.list(List.of("a", "b"))).isEqualTo("[\"a\" \"b\"]");
        assertThat(GoQuoted.list(List.of("say \"hi\" \\ there"))).isEqualTo("[\"say \\\"hi\\\" \\\\ there\"]");
        assertThat(GoQuoted.list(List.of("\u0007\b\f\n\r\t\u000b"))).isEqualTo("[\"\\a\\b\\f\\n\\r\\t\\v\"]");
        assertThat(GoQuoted.list(List.of("\u0000\u001f\u007f"))).isEqualTo("[\"\\x00\\x1f\\x7f\"]");
        assertThat(GoQuoted.list(List.of("ünïcode é 日本"))).isEqualTo("[\"ünïcode é 日本\"]");
        assertThat(GoQuoted.list(List.of("\u00a0\u2028\u200b"))).isEqualTo("[\"\\u00a0\\u2028\\u200b\"]");
        assertThat(GoQuoted.list(List.of("\uD83D\uDE00 \uDB40\uDC01"))).isEqualTo("[\"\uD83D\uDE00 \\U000e0001\"]");
    }
}
