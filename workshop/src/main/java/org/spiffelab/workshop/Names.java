package org.spiffelab.workshop;

import java.util.List;

/** Spotting typos: the name closest to the one expected, by edit distance. */
final class Names {

    private Names() {
    }

    /** " — did you mean X? (it differs from Y by N characters)" when one of {@code candidates} is a near miss of {@code expected}. */
    static String didYouMean(String expected, List<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(expected, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        if (best == null || bestDistance == 0 || bestDistance > 3) {
            return "";
        }
        return " — " + best + " is " + bestDistance + " character" + (bestDistance == 1 ? "" : "s") + " away from " + expected + ": a typo?";
    }

    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
