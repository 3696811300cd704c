package io.synid.workloadattestor.unix;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Looks up user and group names in {@code <root>/etc/passwd} and {@code <root>/etc/group}.
 *
 * <p>The files are read on every lookup, so edits take effect at once, and each read is bounded
 * by {@link #MAX_FILE_BYTES}. A missing, unreadable or oversized file, or an id with no line,
 * gives no name: SPIRE then omits the name selector rather than failing. Only the files are
 * consulted, not other NSS sources (LDAP, SSSD); such accounts get id selectors only.
 */
final class AccountDatabase {

    /** Largest passwd or group file read, in bytes. */
    static final int MAX_FILE_BYTES = 8 * 1024 * 1024;

    private final Path passwd;
    private final Path group;

    AccountDatabase(Path root) {
        this.passwd = root.resolve("etc/passwd");
        this.group = root.resolve("etc/group");
    }

    /** The name of the first passwd line whose uid field is {@code uid}. */
    Optional<String> userName(long uid) {
        return nameOf(passwd, uid);
    }

    /** The name of the first group line whose gid field is {@code gid}. */
    Optional<String> groupName(long gid) {
        return nameOf(group, gid);
    }

    // passwd and group share the layout name:password:id:..., with the id in the third field.
    private static Optional<String> nameOf(Path file, long id) {
        String text;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                return Optional.empty();
            }
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        String wanted = Long.toString(id);
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) {
                continue;
            }
            String[] fields = line.split(":", -1);
            if (fields.length >= 3 && !fields[0].isEmpty() && fields[2].equals(wanted)) {
                return Optional.of(fields[0]);
            }
        }
        return Optional.empty();
    }
}
