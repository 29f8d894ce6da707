package org.spiffelab.sds.authz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The pool's yielding, on a clock the test moves: no sleeps, no timing. */
class VerificationPoolTest {

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final BlockingQueue<Long> rests = new ArrayBlockingQueue<>(16);

    @Test
    void withNoVerifiedCallerToAnswerVerificationsRunBackToBack() throws Exception {
        try (VerificationPool pool = new VerificationPool(1, now::get, rests::add)) {
            runTaking(pool, 300_000, () -> { });
            assertThat(rests).isEmpty();
        }
    }

    @Test
    void whileVerifiedCallersAreAnsweredEachVerificationIsFollowedByTwiceItsTimeAtRest() throws Exception {
        try (VerificationPool pool = new VerificationPool(1, now::get, rests::add)) {
            pool.verifiedCallerAnswered();
            runTaking(pool, 300_000, () -> { });
            assertThat(rests).containsExactly(600_000L);
            rests.clear();

            // a stalled task, verified callers answered meanwhile: the rest is capped, not twice the stall
            runTaking(pool, TimeUnit.SECONDS.toNanos(5), pool::verifiedCallerAnswered);
            assertThat(rests).containsExactly(VerificationPool.MAX_REST_NANOS);
            rests.clear();

            // no verified caller answered for the window: no more rests
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(VerificationPool.RECENT_MILLIS));
            runTaking(pool, 300_000, () -> { });
            assertThat(rests).isEmpty();
        }
    }

    /**
     * Runs a task that advances the clock by {@code nanos}, then does {@code meanwhile}; returns once the thread is done
     * with it, rest included (one thread: the next task starts after the rest; a task that takes no time never rests).
     */
    private void runTaking(VerificationPool pool, long nanos, Runnable meanwhile) throws InterruptedException {
        pool.execute(() -> {
            now.addAndGet(nanos);
            meanwhile.run();
        });
        CountDownLatch next = new CountDownLatch(1);
        pool.execute(next::countDown);
        assertThat(next.await(10, TimeUnit.SECONDS)).isTrue();
    }
}
