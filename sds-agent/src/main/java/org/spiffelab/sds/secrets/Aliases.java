package org.spiffelab.sds.secrets;

/**
 * Resource names that stand for something other than themselves, as the SPIRE agent's
 * {@code default_svid_name}, {@code default_bundle_name} and {@code default_all_bundles_name}.
 *
 * @param defaultSvid the first SVID
 * @param ownBundle   the trust domain bundle of the first SVID
 * @param allBundles  every bundle, own and federated
 */
public record Aliases(String defaultSvid, String ownBundle, String allBundles) {

    public static final Aliases SPIRE_DEFAULTS = new Aliases("default", "ROOTCA", "ALL");
}
