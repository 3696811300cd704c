package io.synid.workloadattestor.k8s;

import java.time.Duration;

/** Waits between attempts to find a container in the pod list; injected so tests never sleep. */
@FunctionalInterface
public interface PollPause {

    /** Sleeps on the calling thread. */
    PollPause SLEEP = duration -> Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);

    /** Waits {@code duration}. */
    void pause(Duration duration) throws InterruptedException;
}
