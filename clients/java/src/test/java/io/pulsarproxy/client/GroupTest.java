package io.pulsarproxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.IntNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The group subscription's own bookkeeping: acks queued in frames, acked ids remembered. */
class GroupTest {
  static GroupMessage message(String id, int deliveryCount) {
    return new GroupMessage(
        new Message("t", id, "m-" + id, null, IntNode.valueOf(1), Map.of(), null),
        "g",
        deliveryCount);
  }

  @Test
  void aRedeliveryOfAnAckedIdIsAckedAgainWithoutTheHandler() {
    List<String> handled = new ArrayList<>();
    Group g = new Group("t", "g", GroupOptions.consumer("c"), m -> handled.add(m.id()), x -> {});
    assertEquals(Group.Outcome.ACK, g.deliver(message("1-0", 1), e -> {}));
    assertEquals(List.of("1-0"), g.takeAcks());
    // The ack was lost in a drop: the message comes again after the ack timeout.
    assertEquals(Group.Outcome.ACK, g.deliver(message("1-0", 2), e -> {}));
    assertEquals(List.of("1-0"), handled);
    assertEquals(List.of("1-0"), g.takeAcks());
  }

  @Test
  void aThrowingHandlerNacksAndIsNotRemembered() {
    List<Exception> failed = new ArrayList<>();
    int[] calls = {0};
    Group g =
        new Group(
            "t",
            "g",
            GroupOptions.consumer("c"),
            m -> {
              if (calls[0]++ == 0) {
                throw new Exception("once");
              }
            },
            x -> {});
    assertEquals(Group.Outcome.NACK, g.deliver(message("1-0", 1), failed::add));
    assertEquals(1, failed.size());
    assertEquals(List.of(), g.takeAcks());
    assertEquals(Group.Outcome.ACK, g.deliver(message("1-0", 2), failed::add));
    assertEquals(2, calls[0]);
  }

  @Test
  void acksGoOutInFramesOfAtMostAThousandAndTheRememberedIdsAreBounded() {
    List<String> handled = new ArrayList<>();
    Group g = new Group("t", "g", GroupOptions.consumer("c"), m -> handled.add(m.id()), x -> {});
    for (int i = 0; i <= Group.REMEMBERED; i++) {
      g.deliver(message(i + "-0", 1), e -> {});
    }
    assertEquals(1000, g.takeAcks().size());
    int rest = 0;
    for (List<String> batch = g.takeAcks(); !batch.isEmpty(); batch = g.takeAcks()) {
      rest += batch.size();
    }
    assertEquals(Group.REMEMBERED + 1 - 1000, rest);
    g.deliver(message("0-0", 2), e -> {}); // the oldest was forgotten: handled again
    g.deliver(message(Group.REMEMBERED + "-0", 2), e -> {}); // the newest was not
    assertEquals(Group.REMEMBERED + 2, handled.size());
  }
}
