package org.spiffelab.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabPropertiesTest {

    @TempDir
    Path dir;

    @Test
    void expandsReferencesToEarlierKeysLikeBash() throws IOException {
        write("# comment\nTD=example.org\nID=spiffe://${TD}/ns/demo/sa/webapp\n\nIMAGE=repo/x:v${TD}\n");
        LabProperties lab = LabProperties.load(dir);
        assertEquals("spiffe://example.org/ns/demo/sa/webapp", lab.get("ID"));
        assertEquals("repo/x:vexample.org", lab.get("IMAGE"));
    }

    @Test
    void undefinedReferenceNamesTheLineAndKey() throws IOException {
        write("A=1\nB=${C}\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LabProperties.load(dir));
        assertTrue(e.getMessage().contains("lab.properties:2") && e.getMessage().contains("${C}"), e.getMessage());
    }

    @Test
    void lineThatBashWouldNotSourceIsRejected() throws IOException {
        write("A = 1\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LabProperties.load(dir));
        assertTrue(e.getMessage().contains("KEY=value"), e.getMessage());
    }

    @Test
    void unknownKeyIsAnError() throws IOException {
        write("A=1\n");
        assertThrows(IllegalArgumentException.class, () -> LabProperties.load(dir).get("B"));
    }

    @Test
    void imagesFollowTheMode() {
        LabProperties lab = LabProperties.load();
        assertEquals(lab.get("LOCAL_ENVOY_IMAGE"), new LabImages(lab, "local").envoy());
        assertEquals("envoyproxy/envoy:v" + lab.get("ENVOY_VERSION"), new LabImages(lab, "official").envoy());
        assertThrows(IllegalArgumentException.class, () -> new LabImages(lab, "mirror"));
    }

    private void write(String content) throws IOException {
        Files.writeString(dir.resolve("lab.properties"), content);
    }
}
