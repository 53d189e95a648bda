package lineage;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * Runs an embedded Neo4j Community server with only a loopback Bolt connector, for development and
 * tests of LLM Lineage.
 *
 * <p>Usage: {@code java -jar neo4j-launcher.jar [--port N] [--data DIR] [--password P] [--watch-stdin]}
 *
 * <ul>
 *   <li>{@code --port N}: Bolt port on 127.0.0.1; 0 or absent picks a free port (env {@code LINEAGE_NEO4J_PORT}).
 *   <li>{@code --data DIR}: Neo4j home (databases, logs), created if missing (env {@code LINEAGE_NEO4J_DATA}).
 *   <li>{@code --password P}: enable auth; user {@code neo4j} gets password P, no change required (env
 *       {@code LINEAGE_NEO4J_PASSWORD}, preferred since it keeps the password out of {@code ps}). Absent:
 *       auth disabled.
 *   <li>{@code --watch-stdin}: shut down when stdin reaches EOF, so a parent that dies leaves no orphan.
 * </ul>
 *
 * <p>Memory: env {@code LINEAGE_NEO4J_PAGECACHE} (default 256m) and {@code LINEAGE_NEO4J_TX_MEMORY}
 * (default 256m); the heap is the JVM's own {@code -Xmx}.
 *
 * <p>Stdout carries exactly one line, {@code READY bolt://127.0.0.1:<port>}, once Bolt accepts
 * connections; everything else (Neo4j and JVM output) goes to {@code DIR/logs/launcher.log}. On a
 * startup failure the exit code is 1 and a one-line reason is printed to stderr. SIGTERM and stdin
 * EOF shut the database down cleanly (via a shutdown hook).
 */
public final class Neo4jLauncher {
    private static final String HOST = "127.0.0.1";
    private static final int PORT_RETRIES = 5;
    private static final AtomicReference<DatabaseManagementService> SERVICE = new AtomicReference<>();
    private static final CountDownLatch STOPPED = new CountDownLatch(1);

    private Neo4jLauncher() {}

    public static void main(String[] args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        Options opts;
        try {
            opts = Options.parse(args);
        } catch (IllegalArgumentException e) {
            stderr.println("neo4j-launcher: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            Files.createDirectories(opts.data.resolve("logs"));
            // Keep stdout clean for the READY line: Neo4j, log4j and stray library prints go to a file.
            PrintStream log = new PrintStream(
                    new FileOutputStream(opts.data.resolve("logs/launcher.log").toFile(), true),
                    true,
                    StandardCharsets.UTF_8);
            System.setOut(log);
            System.setErr(log);
        } catch (IOException e) {
            stderr.println("neo4j-launcher: cannot prepare data dir " + opts.data + ": " + e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(Neo4jLauncher::shutdown, "neo4j-launcher-shutdown"));
        if (opts.watchStdin) {
            Thread watcher = new Thread(() -> watchStdin(System.in), "neo4j-launcher-stdin");
            watcher.setDaemon(true);
            watcher.start();
        }
        try {
            long t0 = System.nanoTime();
            int port = start(opts);
            System.out.printf("launcher: bolt on %s:%d after %d ms%n", HOST, port, (System.nanoTime() - t0) / 1_000_000);
            stdout.println("READY bolt://" + HOST + ":" + port);
            stdout.flush();
        } catch (Throwable e) {
            e.printStackTrace(System.err);
            stderr.println("neo4j-launcher: startup failed: " + rootMessage(e) + " (see " + opts.data.resolve("logs") + ")");
            stderr.flush();
            System.exit(1); // the shutdown hook stops a half-started DBMS
            return;
        }
        try {
            STOPPED.await(); // forever: SIGTERM / stdin EOF exit through System.exit and the shutdown hook.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the DBMS, retrying on a port race when the port was picked here; returns the Bolt port. */
    private static int start(Options opts) throws Exception {
        for (int attempt = 1; ; attempt++) {
            int port = opts.port != 0 ? opts.port : freePort();
            writeConfig(opts, port);
            DatabaseManagementService dbms;
            try {
                dbms = new DatabaseManagementServiceBuilder(opts.data)
                        .loadPropertiesFromFile(opts.data.resolve("neo4j-launcher.conf"))
                        .build();
            } catch (RuntimeException e) {
                if (opts.port == 0 && attempt < PORT_RETRIES && isBindFailure(e)) {
                    System.out.println("launcher: port " + port + " taken, retrying: " + e);
                    continue;
                }
                throw e;
            }
            SERVICE.set(dbms);
            var system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
            if (opts.password != null) {
                setPassword(system, opts.password);
            }
            var db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            if (!db.isAvailable(TimeUnit.MINUTES.toMillis(2))) {
                throw new IllegalStateException("default database did not become available");
            }
            HostnamePort bound = ((GraphDatabaseAPI) system)
                    .getDependencyResolver()
                    .resolveDependency(ConnectorPortRegister.class)
                    .getLocalAddress(ConnectorType.BOLT);
            int boundPort = bound != null ? bound.getPort() : port;
            waitForBolt(boundPort);
            return boundPort;
        }
    }

    /** Makes the password authoritative on every start, also for a data dir made with another one. */
    private static void setPassword(GraphDatabaseService system, String password) {
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
        } catch (RuntimeException e) {
            if (!String.valueOf(rootMessage(e)).contains("Old password and new password cannot be the same")) {
                throw e;
            }
            system.executeTransactionally("ALTER USER neo4j SET PASSWORD CHANGE NOT REQUIRED");
        }
    }

    /** Generated each start so the settings here are authoritative; strict validation catches typos. */
    private static void writeConfig(Options opts, int port) throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("server.bolt.enabled", "true");
        c.put("server.bolt.listen_address", HOST + ":" + port);
        // Explicit so the routing table served to neo4j:// clients points back at this port.
        c.put("server.bolt.advertised_address", HOST + ":" + port);
        c.put("server.default_listen_address", HOST);
        c.put("server.default_advertised_address", HOST);
        c.put("server.http.enabled", "false");
        c.put("server.https.enabled", "false");
        c.put("dbms.security.auth_enabled", Boolean.toString(opts.password != null));
        c.put("dbms.security.auth_minimum_password_length", "1");
        c.put("dbms.usage_report.enabled", "false");
        // As a production server: LOAD CSV never reads file:// URLs (the project never uses
        // LOAD CSV; bulk loads go through neo4j-admin import), and the import directory, were
        // they allowed, is the database's own empty folder.
        Path imports = opts.data.resolve("import");
        Files.createDirectories(imports);
        c.put("server.directories.import", imports.toAbsolutePath().toString());
        c.put("dbms.security.allow_csv_import_from_file_urls", "false");
        // Small by default (the server shares a 2-core box with the test suite); bulk loads and
        // benchmarks raise them through the environment (see lineage/neo4j_server.py).
        c.put("server.memory.pagecache.size", envOr("LINEAGE_NEO4J_PAGECACHE", "256m"));
        c.put("db.memory.transaction.total.max", envOr("LINEAGE_NEO4J_TX_MEMORY", "256m"));
        c.put("db.tx_log.preallocate", "false");
        c.put("db.tx_log.rotation.retention_policy", "1 files");
        c.put("db.logs.query.enabled", "OFF");
        c.put("server.logs.gc.enabled", "false");
        // Bolt otherwise waits 5 s per connector for idle connections on shutdown; tests stop servers often.
        c.put("internal.server.bolt.connection_shutdown_wait_time", "1s");
        c.put("internal.dbms.bolt.netty_server_shutdown_quiet_period", "0");
        c.put("internal.dbms.bolt.netty_server_shutdown_timeout", "2s");
        StringBuilder sb = new StringBuilder("# Generated by lineage.Neo4jLauncher on every start; edits are lost.\n");
        c.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Files.writeString(opts.data.resolve("neo4j-launcher.conf"), sb.toString());
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    private static void waitForBolt(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(HOST, port), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("bolt not accepting connections on port " + port, e);
                }
                Thread.sleep(50);
            }
        }
    }

    private static void watchStdin(InputStream in) {
        byte[] buf = new byte[256];
        try {
            while (in.read(buf) != -1) {
                // Input is ignored; only EOF matters.
            }
        } catch (IOException e) {
            // A broken stdin means the parent is gone too.
        }
        System.out.println("launcher: stdin closed, shutting down");
        System.exit(0);
    }

    private static void shutdown() {
        shutdownQuietly();
        STOPPED.countDown();
    }

    private static boolean shutdownQuietly() {
        DatabaseManagementService dbms = SERVICE.getAndSet(null);
        if (dbms == null) {
            return false;
        }
        System.out.println("launcher: shutting down");
        try {
            dbms.shutdown();
            System.out.println("launcher: stopped");
        } catch (Throwable e) {
            e.printStackTrace(System.err);
        }
        System.out.flush();
        return true;
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String msg = t.getClass().getSimpleName() + ": " + t.getMessage();
        return msg.replace('\n', ' ');
    }

    private record Options(int port, Path data, String password, boolean watchStdin) {
        static Options parse(String[] args) {
            String port = System.getenv("LINEAGE_NEO4J_PORT");
            String data = System.getenv("LINEAGE_NEO4J_DATA");
            String password = System.getenv("LINEAGE_NEO4J_PASSWORD");
            boolean watch = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--port" -> port = value(args, ++i, "--port");
                    case "--data" -> data = value(args, ++i, "--data");
                    case "--password" -> password = value(args, ++i, "--password");
                    case "--watch-stdin" -> watch = true;
                    default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
                }
            }
            int p;
            try {
                p = port == null || port.isBlank() ? 0 : Integer.parseInt(port.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port: " + port);
            }
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException("bad port: " + p);
            }
            if (data == null || data.isBlank()) {
                data = "neo4j-data";
            }
            if (password != null && password.isEmpty()) {
                password = null;
            }
            return new Options(p, Path.of(data).toAbsolutePath(), password, watch);
        }

        private static String value(String[] args, int i, String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }
    }
}
