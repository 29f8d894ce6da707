package org.spiffelab.harness;

/** An X.509-SVID as the Workload API CLI writes it: certificate chain, PKCS#8 key and trust bundle, PEM-encoded. */
public record SvidPem(String certChain, String privateKey, String bundle) {

    @Override
    public String toString() {
        return "SvidPem[certChain=" + certChain.length() + " chars, privateKey=<redacted>, bundle=" + bundle.length() + " chars]";
    }
}
