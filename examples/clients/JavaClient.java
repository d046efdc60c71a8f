import java.io.*;
import java.net.*;
import java.security.KeyStore;
import java.security.cert.*;
import java.util.*;
import javax.net.ssl.*;

/**
 * A JVM client for pinprick's platform tests: HttpsURLConnection with the platform's own PKIX
 * validation, trusting only the roots of --cafile (no system store), through an HTTP proxy.
 * Without --cafile it trusts what the JVM's default SSLContext trusts: the trust store named by
 * -Djavax.net.ssl.trustStore (as an app run with pinprick ca's .jks or .p12 does), else cacerts.
 * Prints ACCEPT <status> (exit 0) or REJECT <reason> (exit 1); usage errors exit 2.
 *
 *   java JavaClient.java --url https://HOST:PORT/PATH --proxy http://127.0.0.1:PORT --cafile ROOTS.pem
 *   java -Djavax.net.ssl.trustStore=pinprick-default-roots.jks -Djavax.net.ssl.trustStoreType=JKS \
 *        -Djavax.net.ssl.trustStorePassword=pinprick JavaClient.java --url URL --proxy PROXY
 */
public class JavaClient {
  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) opt.put(args[i], args[i + 1]);
    if (!opt.containsKey("--url")) {
      System.err.println("usage: java JavaClient.java --url URL [--cafile ROOTS.pem] [--proxy http://HOST:PORT]");
      System.exit(2);
    }
    SSLContext ctx = SSLContext.getDefault();
    if (opt.containsKey("--cafile")) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      try (InputStream in = new FileInputStream(opt.get("--cafile"))) {
        int n = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) trust.setCertificateEntry("root-" + n++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
    }
    Proxy proxy = Proxy.NO_PROXY;
    if (opt.containsKey("--proxy")) {
      URI p = URI.create(opt.get("--proxy"));
      proxy = new Proxy(Proxy.Type.HTTP, new InetSocketAddress(p.getHost(), p.getPort()));
    }
    HttpsURLConnection conn = (HttpsURLConnection) URI.create(opt.get("--url")).toURL().openConnection(proxy);
    conn.setSSLSocketFactory(ctx.getSocketFactory());
    conn.setConnectTimeout(10000);
    conn.setReadTimeout(10000);
    try {
      int status = conn.getResponseCode();
      System.out.println("ACCEPT " + status);
      System.exit(0);
    } catch (SSLException e) {
      System.out.println("REJECT " + e.getMessage());
      System.exit(1);
    } catch (IOException e) {
      System.err.println("error: " + e);
      System.exit(3);
    }
  }
}
