package io.pulsarproxy.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsarproxy.core.EntryId;
import io.pulsarproxy.core.MessagePackCodec;
import io.pulsarproxy.core.StoredMessage;
import io.pulsarproxy.core.TopicName;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FrameTest {
  @Test
  void theMessagePackSpellingIsMadeOnceAndSaysWhatTheJsonSays() throws Exception {
    StoredMessage m =
        new StoredMessage(
            new EntryId(1795712252254L, 0),
            "order-1",
            "{\"order\":1}",
            Map.of("a", "b"),
            "k",
            null);
    Frame frame = new FrameEncoder().message(new TopicName("orders"), m);

    byte[] first = frame.msgpack();
    assertThat(frame.msgpack()).isSameAs(first); // shared by every MessagePack connection
    assertThat(MessagePackCodec.read(first)).isEqualTo(new ObjectMapper().readTree(frame.utf8()));
  }
}
