package io.synid.workloadattestor.systemd;

import io.synid.workloadattestor.AttestationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Asks the running systemd: {@code systemctl show -p FragmentPath --value -- <unit>}. This is the
 * authoritative answer (drop-ins, aliases, transient units, runtime overrides), obtained over
 * systemd's own D-Bus API by the tool systemd ships; it needs systemd as pid 1.
 *
 * <p>The child gets a bounded time and its output a bounded size; it inherits no stdin. The unit
 * name comes from a cgroup path and was validated by {@link SystemdUnits}, and {@code --} ends
 * option parsing, so a crafted name cannot become an option.
 */
final class SystemctlUnitFileLocator implements UnitFileLocator {

    private static final int MAX_OUTPUT_BYTES = 64 * 1024;

    private final Path systemctl;
    private final Duration timeout;

    SystemctlUnitFileLocator(Path systemctl, Duration timeout) {
        this.systemctl = systemctl;
        this.timeout = timeout;
    }

    @Override
    public String fragmentPath(String unit) throws AttestationException {
        ProcessBuilder builder = new ProcessBuilder(List.of(systemctl.toString(), "show", "-p", "FragmentPath",
                "--value", "--", unit))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new AttestationException(SystemdAttestor.NAME + ": cannot run " + systemctl + ": " + e.getMessage(), e);
        }
        try (InputStream out = process.getInputStream()) {
            // Small output fits the pipe, so reading after the wait cannot deadlock; larger is an error anyway.
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AttestationException(SystemdAttestor.NAME + ": " + systemctl + " show " + unit
                        + " did not finish within " + timeout.toMillis() + " ms");
            }
            byte[] bytes = out.readNBytes(MAX_OUTPUT_BYTES + 1);
            if (bytes.length > MAX_OUTPUT_BYTES) {
                throw new AttestationException(SystemdAttestor.NAME + ": " + systemctl + " printed more than "
                        + MAX_OUTPUT_BYTES + " bytes");
            }
            if (process.exitValue() != 0) {
                throw new AttestationException(SystemdAttestor.NAME + ": " + systemctl + " show " + unit
                        + " failed with exit status " + process.exitValue());
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            String line = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
            if (line.indexOf('\n') >= 0 || (!line.isEmpty() && !line.startsWith("/"))) {
                throw new AttestationException(SystemdAttestor.NAME + ": " + systemctl
                        + " printed something other than one absolute path");
            }
            return line;
        } catch (IOException e) {
            throw new AttestationException(SystemdAttestor.NAME + ": reading " + systemctl + " output: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttestationException(SystemdAttestor.NAME + ": interrupted while running " + systemctl, e);
        } finally {
            process.destroyForcibly();
        }
    }
}
