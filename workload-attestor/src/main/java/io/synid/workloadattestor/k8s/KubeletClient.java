package io.synid.workloadattestor.k8s;

import io.synid.core.x509.InvalidPemException;
import io.synid.core.x509.Pem;
import io.synid.workloadattestor.AttestationException;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Fetches {@code GET /pods} from the kubelet: plain HTTP on the read-only port, or HTTPS on the
 * secure port with a bearer token, a client certificate or no credentials, verifying the kubelet
 * against {@code kubelet_ca_path} unless verification is skipped.
 *
 * <p>Credentials and the CA are read on every fetch (fetches are cached by the attestor), so a
 * rotated service account token is picked up at once. The body is bounded by
 * {@code max_response_bytes}; each connect and each read is bounded by {@code request_timeout},
 * and the whole body by about twice that.
 */
class KubeletClient {

    private static final int MAX_CREDENTIAL_BYTES = 1024 * 1024;

    private final K8sAttestorConfig config;

    KubeletClient(K8sAttestorConfig config) {
        this.config = config;
    }

    /** The raw {@code /pods} body (a PodList). */
    byte[] fetchPods() throws AttestationException {
        String scheme = config.secure() ? "https" : "http";
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        HttpURLConnection connection;
        try {
            connection = (HttpURLConnection) new URL(scheme + "://" + host + ":" + config.port() + "/pods").openConnection();
        } catch (IOException e) {
            throw new AttestationException(K8sAttestor.NAME + ": invalid kubelet address: " + e.getMessage(), e);
        }
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, config.requestTimeout().toMillis());
        connection.setConnectTimeout(timeoutMillis);
        connection.setReadTimeout(timeoutMillis);
        connection.setInstanceFollowRedirects(false);
        connection.setUseCaches(false);
        connection.setRequestProperty("Accept", "application/json");
        if (connection instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(sslContext().getSocketFactory());
            if (!config.verifyHostname() || config.skipKubeletVerification()) {
                // As SPIRE: without a node name the kubelet is dialled on 127.0.0.1, which its
                // certificate does not name; the chain is still verified against the CA.
                https.setHostnameVerifier((hostname, session) -> true);
            }
            if (config.tokenPath().isPresent()) {
                connection.setRequestProperty("Authorization", "Bearer " + token(config.tokenPath().get()));
            }
        }
        long deadline = System.nanoTime() + 2 * config.requestTimeout().toNanos();
        try {
            int status = connection.getResponseCode();
            if (status != 200) {
                throw new AttestationException(K8sAttestor.NAME + ": unexpected status code on pods response: " + status);
            }
            try (InputStream in = connection.getInputStream()) {
                return readBounded(in, deadline);
            }
        } catch (IOException e) {
            throw new AttestationException(K8sAttestor.NAME + ": unable to perform request to the kubelet: " + e, e);
        } finally {
            connection.disconnect();
        }
    }

    private byte[] readBounded(InputStream in, long deadline) throws IOException, AttestationException {
        int max = config.maxResponseBytes();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer)) > 0) {
            if (out.size() + n > max) {
                throw new AttestationException(K8sAttestor.NAME + ": kubelet pods response larger than " + max + " bytes");
            }
            out.write(buffer, 0, n);
            if (System.nanoTime() > deadline) {
                throw new AttestationException(K8sAttestor.NAME + ": kubelet pods response took longer than "
                        + 2 * config.requestTimeout().toMillis() + " ms");
            }
        }
        return out.toByteArray();
    }

    private SSLContext sslContext() throws AttestationException {
        try {
            TrustManager[] trust;
            if (config.skipKubeletVerification()) {
                trust = new TrustManager[] {new TrustEverything()};
            } else {
                List<X509Certificate> cas = Pem.decodeCertificates(readText(config.kubeletCaPath(), "kubelet CA"));
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                for (int i = 0; i < cas.size(); i++) {
                    store.setCertificateEntry("ca-" + i, cas.get(i));
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(store);
                trust = tmf.getTrustManagers();
            }
            KeyManager[] keys = null;
            if (config.certificatePath().isPresent() && config.privateKeyPath().isPresent()) {
                List<X509Certificate> chain = Pem.decodeCertificates(readText(config.certificatePath().get(), "certificate"));
                PrivateKey key = Pem.decodePrivateKey(readText(config.privateKeyPath().get(), "private key"));
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                char[] password = new char[0];
                store.setKeyEntry("client", key, password, chain.toArray(new X509Certificate[0]));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, password);
                keys = kmf.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (InvalidPemException e) {
            throw new AttestationException(K8sAttestor.NAME + ": unable to parse kubelet TLS material: " + e.getMessage(), e);
        } catch (GeneralSecurityException | IOException e) {
            throw new AttestationException(K8sAttestor.NAME + ": unable to set up TLS to the kubelet: " + e, e);
        }
    }

    private static String token(Path path) throws AttestationException {
        String token = readText(path, "token").trim();
        if (token.isEmpty() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new AttestationException(K8sAttestor.NAME + ": the token at " + path + " is empty or not a bearer token");
        }
        return token;
    }

    private static String readText(Path path, String what) throws AttestationException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes(MAX_CREDENTIAL_BYTES + 1);
            if (bytes.length > MAX_CREDENTIAL_BYTES) {
                throw new AttestationException(K8sAttestor.NAME + ": the " + what + " file " + path + " is too large");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AttestationException(K8sAttestor.NAME + ": unable to load " + what + ": " + e, e);
        }
    }

    /** For {@code skip_kubelet_verification}: the operator chose to trust any kubelet certificate. */
    private static final class TrustEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // Unused: this side is the client.
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // Verification deliberately skipped by configuration.
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
