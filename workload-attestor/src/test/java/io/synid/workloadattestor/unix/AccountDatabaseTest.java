package io.synid.workloadattestor.unix;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccountDatabaseTest {

    @TempDir
    Path root;

    private Path passwd;

    @BeforeEach
    void files() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        passwd = root.resolve("etc/passwd");
        Files.writeString(passwd, "root:x:0:0::/:/bin/sh\nalice:x:1000:1000::/:/bin/sh\nzed:x:007:7::/:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nstaff:x:50:\n");
    }

    /** A clock this far after the files were written, so that they count as settled. */
    private static Clock later(long seconds) {
        return Clock.fixed(Instant.now().plusSeconds(seconds), ZoneOffset.UTC);
    }

    @Test
    void aSettledFileIsParsedOnceAndAnEditIsSeenAtOnce() throws Exception {
        AccountDatabase accounts = new AccountDatabase(root, later(5));
        assertThat(accounts.current().userName(1000)).contains("alice");
        assertThat(accounts.current().userName(0)).contains("root");
        assertThat(accounts.current().groupName(50)).contains("staff");
        assertThat(accounts.parses()).isEqualTo(2);

        // Same size, same inode: only the change time differs.
        Files.writeString(passwd, "root:x:0:0::/:/bin/sh\nbobby:x:1000:1000::/:/bin/sh\nzed:x:007:7::/:/bin/sh\n");
        assertThat(accounts.current().userName(1000)).contains("bobby");
        assertThat(accounts.parses()).isEqualTo(3);

        // Replaced through a rename, as useradd and vipw do.
        Path edited = root.resolve("etc/passwd.new");
        Files.writeString(edited, "carol:x:1000:1000::/:/bin/sh\n");
        Files.move(edited, passwd, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        assertThat(accounts.current().userName(1000)).contains("carol");
        assertThat(accounts.current().userName(0)).isEmpty();
    }

    @Test
    void aFileChangedJustNowIsReadOnEveryLookup() {
        AccountDatabase accounts = new AccountDatabase(root, Clock.systemUTC());
        assertThat(accounts.current().userName(1000)).contains("alice");
        assertThat(accounts.current().userName(1000)).contains("alice");
        // Each current() reads both files, none of them settled yet.
        assertThat(accounts.parses()).isEqualTo(4);
    }

    @Test
    void idsMatchAsDecimalTextAndTheFirstLineWins() throws Exception {
        Files.writeString(passwd, "first:x:5:5::/:/bin/sh\nsecond:x:5:5::/:/bin/sh\nzed:x:007:7::/:/bin/sh\n"
                + "plus:x:+8:8::/:/bin/sh\nneg:x:-1:1::/:/bin/sh\n:x:9:9::/:/bin/sh\nshort:x\n");
        AccountDatabase accounts = new AccountDatabase(root, later(5));
        assertThat(accounts.current().userName(5)).contains("first");
        assertThat(accounts.current().userName(7)).isEmpty();
        assertThat(accounts.current().userName(8)).isEmpty();
        assertThat(accounts.current().userName(9)).isEmpty();
    }

    @Test
    void aFileThatDisappearsOrGrowsTooLargeGivesNoNames() throws Exception {
        AccountDatabase accounts = new AccountDatabase(root, later(5));
        assertThat(accounts.current().userName(1000)).contains("alice");
        Files.delete(passwd);
        assertThat(accounts.current().userName(1000)).isEqualTo(Optional.empty());
        Files.write(passwd, new byte[AccountDatabase.MAX_FILE_BYTES + 1]);
        assertThat(accounts.current().userName(1000)).isEmpty();
    }
}
