package org.spiffelab.workshop;

/**
 * One step of a lab as {@code check} sees it on the live stack.
 *
 * @param problem what is wrong, in plain words (null when done)
 * @param fix     what to do about it (null when done)
 */
record Step(String title, boolean done, String problem, String fix) {

    static Step done(String title) {
        return new Step(title, true, null, null);
    }

    static Step todo(String title, String problem, String fix) {
        return new Step(title, false, problem, fix);
    }

    static Step of(String title, boolean done, String problem, String fix) {
        return done ? done(title) : todo(title, problem, fix);
    }
}
